# fig3a - drawn by edd reproduce from fig3a_fgm.csv; re-render with: gnuplot fig3a.gp
set terminal pngcairo size 1200,596 font ',9'
set output 'fig3a.png'
set multiplot layout 1,2 title 'Fig. 3a: black-box FGM from a defended surrogate (fgm, n = 1000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.0881 0.924 0.948 0.05 1.0881 5 52
2.18584 0.831 0.877 0.1 2.18584 7 123
3.29413 0.773 0.837 0.15 3.29413 9 163
4.43392 0.708 0.792 0.2 4.43392 11 208
5.5819 0.634 0.749 0.25 5.5819 13 251
6.74075 0.585 0.71 0.3 6.74075 15 290
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.09, 5.2% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.19, 12.3% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.29, 16.3% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.43, 20.8% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.58, 25.1% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.74, 29.0% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.07436 0.914 0.932 0.05 1.07436 5 68
2.14959 0.746 0.793 0.1 2.14959 7 207
3.26778 0.488 0.546 0.15 3.26778 9 454
4.39563 0.215 0.276 0.2 4.39563 11 724
5.51173 0.065 0.124 0.25 5.51173 13 876
6.61286 0.017 0.078 0.3 6.61286 15 922
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.07, 6.8% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.15, 20.7% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.27, 45.4% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.40, 72.4% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.51, 87.6% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.61, 92.2% misclassified'
unset multiplot
