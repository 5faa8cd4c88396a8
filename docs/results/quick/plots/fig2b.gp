# fig2b - drawn by edd reproduce from fig2b_jsma.csv; re-render with: gnuplot fig2b.gp
set terminal pngcairo size 1200,580 font ',9'
set output 'fig2b.png'
set multiplot layout 1,2 title 'Fig. 2b: white-box JSMA on the distilled model (jsma, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.68976 0.42 0.56 0.025 3.68976 5 44
4.54073 0.1 0.18 0.05 4.54073 7 82
4.89209 0.05 0.06 0.075 4.89209 9 94
5.07319 0.01 0.01 0.1 5.07319 11 99
5.10795 0 0 0.15 5.10795 13 100
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.69783 0.43 0.43 0.025 3.69783 5 57
4.35079 0.15 0.15 0.05 4.35079 7 85
4.71216 0.01 0.01 0.075 4.71216 9 99
4.74541 0.01 0.01 0.1 4.74541 11 99
4.79593 0 0 0.15 4.79593 13 100
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.69, 44.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.54, 82.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.89, 94.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.07, 99.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.11, 100.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.70779 0.41 0.55 0.025 3.70779 5 45
4.60114 0.09 0.16 0.05 4.60114 7 84
4.90639 0.05 0.06 0.075 4.90639 9 94
5.06515 0.01 0.01 0.1 5.06515 11 99
5.1 0 0 0.15 5.1 13 100
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.70722 0.42 0.42 0.025 3.70722 5 58
4.37184 0.14 0.14 0.05 4.37184 7 86
4.71645 0.01 0.01 0.075 4.71645 9 99
4.74903 0.01 0.01 0.1 4.74903 11 99
4.7931 0 0 0.15 4.7931 13 100
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.71, 45.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.60, 84.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.91, 94.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.07, 99.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.10, 100.0% misclassified'
unset multiplot
