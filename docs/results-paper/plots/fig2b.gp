# fig2b - drawn by edd reproduce from fig2b_jsma.csv; re-render with: gnuplot fig2b.gp
if (!exists("outfile")) outfile = 'fig2b.png'
set terminal pngcairo size 1200,580 font ',9'
set output outfile
set multiplot layout 1,2 title 'Fig. 2b: white-box JSMA on the distilled model (jsma, n = 500 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.60312 0.434 0.452 0.025 3.60312 5 274
4.36311 0.242 0.242 0.05 4.36311 7 379
4.59871 0.202 0.202 0.075 4.59871 9 399
4.65166 0.2 0.2 0.1 4.65166 11 400
4.67111 0.2 0.2 0.15 4.67111 13 400
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.60, 54.8% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.36, 75.8% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.60, 79.8% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.65, 80.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.67, 80.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.62039 0.34 0.35 0.025 3.62039 5 325
4.40978 0.068 0.07 0.05 4.40978 7 465
4.65802 0.024 0.024 0.075 4.65802 9 488
4.73452 0.014 0.014 0.1 4.73452 11 493
4.80451 0.004 0.004 0.15 4.80451 13 498
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w l lc rgb '#b2182b' notitle, $d1 u 1:2 w l lc rgb '#2166ac' notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.62, 65.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.41, 93.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.66, 97.6% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.73, 98.6% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.80, 99.6% misclassified'
unset multiplot
