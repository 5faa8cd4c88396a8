# fig2b - drawn by edd reproduce from fig2b_jsma.csv; re-render with: gnuplot fig2b.gp
if (!exists("outfile")) outfile = 'fig2b.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 2b: white-box JSMA on the distilled model (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.60312 0.434 0.452 0.025
4.36311 0.242 0.242 0.05
4.59871 0.202 0.202 0.075
4.65166 0.2 0.2 0.1
4.67111 0.2 0.2 0.15
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (gamma)
$d1 << EOD
3.62039 0.34 0.35 0.025
4.40978 0.068 0.07 0.05
4.65802 0.024 0.024 0.075
4.73452 0.014 0.014 0.1
4.80451 0.004 0.004 0.15
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d1 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (gamma)
unset multiplot
