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
3.80799 0.59 0.69 0.025 3.80799 5 31
4.57963 0.45 0.59 0.05 4.57963 7 41
4.88326 0.43 0.56 0.075 4.88326 9 44
5.06412 0.42 0.54 0.1 5.06412 11 46
5.06412 0.42 0.54 0.15 5.06412 13 46
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.81, 31.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.58, 41.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.88, 44.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.06, 46.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.06, 46.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.83263 0.56 0.67 0.025 3.83263 5 33
4.58349 0.46 0.58 0.05 4.58349 7 42
4.78946 0.44 0.57 0.075 4.78946 9 43
5.03857 0.41 0.54 0.1 5.03857 11 46
5.03857 0.41 0.54 0.15 5.03857 13 46
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.83, 33.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.58, 42.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.79, 43.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.04, 46.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.04, 46.0% misclassified'
unset multiplot
