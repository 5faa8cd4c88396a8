# fig3c - drawn by edd reproduce from fig3c_jsma.csv; re-render with: gnuplot fig3c.gp
if (!exists("outfile")) outfile = 'fig3c.png'
set terminal pngcairo size 1200,580 font ',9'
set output outfile
set multiplot layout 1,2 title 'Fig. 3c: black-box JSMA from a defended surrogate (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.80916 0.61 0.646 0.025 3.80916 5 177
4.48391 0.56 0.594 0.05 4.48391 7 203
4.592 0.556 0.59 0.075 4.592 9 205
4.60452 0.556 0.59 0.1 4.60452 11 205
4.61356 0.556 0.59 0.15 4.61356 13 205
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.81, 35.4% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.48, 40.6% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.59, 41.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.60, 41.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.61, 41.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.80728 0.456 0.516 0.025 3.80728 5 242
4.41859 0.402 0.456 0.05 4.41859 7 272
4.57726 0.384 0.436 0.075 4.57726 9 282
4.63389 0.378 0.43 0.1 4.63389 11 285
4.69776 0.372 0.424 0.15 4.69776 13 288
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w l lc rgb '#b2182b' notitle, $d1 u 1:2 w l lc rgb '#2166ac' notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.81, 48.4% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.42, 54.4% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.58, 56.4% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.63, 57.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.70, 57.6% misclassified'
unset multiplot
