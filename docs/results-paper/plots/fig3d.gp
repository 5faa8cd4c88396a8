# fig3d - drawn by edd reproduce from fig3d_jsma.csv; re-render with: gnuplot fig3d.gp
if (!exists("outfile")) outfile = 'fig3d.png'
set terminal pngcairo size 600,580 font ',9'
set output outfile
set multiplot layout 1,1 title 'Fig. 3d: black-box JSMA from an undefended surrogate (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.78154 0.538 0.594 0.025 3.78154 5 203
4.44839 0.452 0.51 0.05 4.44839 7 245
4.58372 0.442 0.502 0.075 4.58372 9 249
4.61326 0.442 0.502 0.1 4.61326 11 249
4.62222 0.442 0.502 0.15 4.62222 13 249
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.78, 40.6% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.45, 49.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.58, 49.8% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.61, 49.8% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.62, 49.8% misclassified'
unset multiplot
