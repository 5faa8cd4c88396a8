# fig3c - drawn by edd reproduce from fig3c_jsma.csv; re-render with: gnuplot fig3c.gp
if (!exists("outfile")) outfile = 'fig3c.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 3c: black-box JSMA from a defended surrogate (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.80916 0.61 0.646 0.025
4.48391 0.56 0.594 0.05
4.592 0.556 0.59 0.075
4.60452 0.556 0.59 0.1
4.61356 0.556 0.59 0.15
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (gamma)
$d1 << EOD
3.80728 0.456 0.516 0.025
4.41859 0.402 0.456 0.05
4.57726 0.384 0.436 0.075
4.63389 0.378 0.43 0.1
4.69776 0.372 0.424 0.15
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d1 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (gamma)
unset multiplot
