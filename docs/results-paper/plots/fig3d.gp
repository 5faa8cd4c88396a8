# fig3d - drawn by edd reproduce from fig3d_jsma.csv; re-render with: gnuplot fig3d.gp
if (!exists("outfile")) outfile = 'fig3d.png'
set terminal pngcairo size 560,490 font ',10'
set output outfile
set multiplot layout 1,1 title 'Fig. 3d: black-box JSMA from an undefended surrogate (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.78154 0.538 0.594 0.025
4.44839 0.452 0.51 0.05
4.58372 0.442 0.502 0.075
4.61326 0.442 0.502 0.1
4.62222 0.442 0.502 0.15
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (gamma)
unset multiplot
