# fig2a - drawn by edd reproduce from fig2a_fgm.csv; re-render with: gnuplot fig2a.gp
if (!exists("outfile")) outfile = 'fig2a.png'
set terminal pngcairo size 1200,596 font ',9'
set output outfile
set multiplot layout 1,2 title 'Fig. 2a: white-box FGM on the distilled model (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.04802 0.9171 0.9539 0.05 1.04802 5 461
2.09844 0.8831 0.9316 0.1 2.09844 7 684
3.14393 0.8655 0.9197 0.15 3.14393 9 803
4.19285 0.8511 0.9112 0.2 4.19285 11 888
5.23849 0.8328 0.9008 0.25 5.23849 13 992
6.27504 0.8113 0.8883 0.3 6.27504 15 1117
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.05, 4.6% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.10, 6.8% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.14, 8.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.19, 8.9% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.24, 9.9% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.28, 11.2% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.05242 0.8794 0.8891 0.05 1.05242 5 1109
2.0809 0.5096 0.5411 0.1 2.0809 7 4589
3.12551 0.2356 0.2763 0.15 3.12551 9 7237
4.17255 0.1051 0.1462 0.2 4.17255 11 8538
5.21347 0.0485 0.0876 0.25 5.21347 13 9124
6.24316 0.0243 0.0657 0.3 6.24316 15 9343
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w l lc rgb '#b2182b' notitle, $d1 u 1:2 w l lc rgb '#2166ac' notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.05, 11.1% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.08, 45.9% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.13, 72.4% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.17, 85.4% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.21, 91.2% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.24, 93.4% misclassified'
unset multiplot
