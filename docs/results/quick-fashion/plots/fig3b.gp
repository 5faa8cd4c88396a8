# fig3b - drawn by edd reproduce from fig3b_fgm.csv; re-render with: gnuplot fig3b.gp
set terminal pngcairo size 600,596 font ',9'
set output 'fig3b.png'
set multiplot layout 1,1 title 'Fig. 3b: black-box FGM from an undefended surrogate (fgm, n = 1000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.21012 0.606 0.615 0.05 1.21012 5 385
2.39993 0.28 0.323 0.1 2.39993 7 677
3.57227 0.144 0.211 0.15 3.57227 9 789
4.70921 0.071 0.17 0.2 4.70921 11 830
5.80764 0.02 0.176 0.25 5.80764 13 824
6.89047 0.007 0.215 0.3 6.89047 15 785
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.21, 38.5% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.40, 67.7% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.57, 78.9% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.71, 83.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.81, 82.4% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.89, 78.5% misclassified'
unset multiplot
