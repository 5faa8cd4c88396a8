# fig3c - drawn by edd reproduce from fig3c_jsma.csv; re-render with: gnuplot fig3c.gp
set terminal pngcairo size 1200,580 font ',9'
set output 'fig3c.png'
set multiplot layout 1,2 title 'Fig. 3c: black-box JSMA from a defended surrogate (jsma, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.37728 0.62 0.7 0.025 3.37728 5 30
4.42364 0.48 0.6 0.05 4.42364 7 40
4.79252 0.46 0.59 0.075 4.79252 9 41
4.98994 0.45 0.58 0.1 4.98994 11 42
5.1127 0.45 0.58 0.15 5.1127 13 42
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.38, 30.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.42, 40.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.79, 41.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.99, 42.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.11, 42.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.37728 0.62 0.7 0.025 3.37728 5 30
4.44922 0.48 0.59 0.05 4.44922 7 41
4.8087 0.46 0.58 0.075 4.8087 9 42
5.00116 0.45 0.57 0.1 5.00116 11 43
5.12106 0.45 0.57 0.15 5.12106 13 43
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.38, 30.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.45, 41.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.81, 42.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.00, 43.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.12, 43.0% misclassified'
unset multiplot
