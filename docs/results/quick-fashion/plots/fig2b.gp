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
3.4058 0.45 0.5 0.025 3.4058 5 50
4.33697 0.17 0.22 0.05 4.33697 7 78
4.76523 0.07 0.1 0.075 4.76523 9 90
4.93426 0.06 0.06 0.1 4.93426 11 94
5.03109 0.04 0.05 0.15 5.03109 13 95
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.59717 0.43 0.43 0.025 3.59717 5 57
4.48247 0.19 0.19 0.05 4.48247 7 81
4.86819 0.08 0.08 0.075 4.86819 9 92
5.10261 0.02 0.02 0.1 5.10261 11 98
5.16027 0.02 0.02 0.15 5.16027 13 98
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.41, 50.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.34, 78.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.77, 90.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.93, 94.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.03, 95.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.42203 0.44 0.49 0.025 3.42203 5 51
4.35374 0.16 0.21 0.05 4.35374 7 79
4.72279 0.07 0.11 0.075 4.72279 9 89
4.92853 0.06 0.06 0.1 4.92853 11 94
5.02542 0.04 0.05 0.15 5.02542 13 95
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.60795 0.42 0.42 0.025 3.60795 5 58
4.48482 0.19 0.19 0.05 4.48482 7 81
4.86966 0.08 0.08 0.075 4.86966 9 92
5.10007 0.02 0.02 0.1 5.10007 11 98
5.1547 0.02 0.02 0.15 5.1547 13 98
EOD
set title 'exact gradient: beta = -alpha, one pass'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.42, 51.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.35, 79.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.72, 89.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.93, 94.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.03, 95.0% misclassified'
unset multiplot
