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
1.05387 0.907 0.931 0.05 1.05387 5 69
2.09394 0.732 0.781 0.1 2.09394 7 219
3.13838 0.423 0.499 0.15 3.13838 9 501
4.17379 0.212 0.27 0.2 4.17379 11 730
5.21677 0.102 0.165 0.25 5.21677 13 835
6.25082 0.058 0.126 0.3 6.25082 15 874
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.05, 6.9% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.09, 21.9% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.14, 50.1% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.17, 73.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.22, 83.5% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.25, 87.4% misclassified'
unset multiplot
