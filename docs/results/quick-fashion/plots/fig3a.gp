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
1.22377 0.637 0.651 0.05 1.22377 5 349
2.45387 0.374 0.48 0.1 2.45387 7 520
3.65845 0.206 0.395 0.15 3.65845 9 605
4.82332 0.144 0.385 0.2 4.82332 11 615
5.95481 0.096 0.411 0.25 5.95481 13 589
7.04908 0.067 0.421 0.3 7.04908 15 579
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.22, 34.9% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.45, 52.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.66, 60.5% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.82, 61.5% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.95, 58.9% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 7.05, 57.9% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.21335 0.617 0.623 0.05 1.21335 5 377
2.41064 0.309 0.334 0.1 2.41064 7 666
3.58917 0.146 0.208 0.15 3.58917 9 792
4.73271 0.071 0.162 0.2 4.73271 11 838
5.83787 0.02 0.158 0.25 5.83787 13 842
6.91724 0.004 0.169 0.3 6.91724 15 831
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.21, 37.7% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.41, 66.6% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.59, 79.2% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.73, 83.8% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.84, 84.2% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.92, 83.1% misclassified'
unset multiplot
