# fig2a - drawn by edd reproduce from fig2a_fgm.csv; re-render with: gnuplot fig2a.gp
set terminal pngcairo size 1200,596 font ',9'
set output 'fig2a.png'
set multiplot layout 1,2 title 'Fig. 2a: white-box FGM on the distilled model (fgm, n = 1000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.07839 0.892 0.928 0.05 1.07839 5 72
2.19607 0.776 0.854 0.1 2.19607 7 146
3.33639 0.681 0.777 0.15 3.33639 9 223
4.49315 0.573 0.689 0.2 4.49315 11 311
5.65065 0.468 0.597 0.25 5.65065 13 403
6.80569 0.376 0.513 0.3 6.80569 15 487
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.05533 0.89 0.89 0.05 1.05533 5 110
2.1057 0.663 0.663 0.1 2.1057 7 337
3.14841 0.379 0.379 0.15 3.14841 9 621
4.19336 0.129 0.129 0.2 4.19336 11 871
5.2362 0.051 0.051 0.25 5.2362 13 949
6.26672 0.034 0.034 0.3 6.26672 15 966
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.08, 7.2% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.20, 14.6% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.34, 22.3% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.49, 31.1% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.65, 40.3% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.81, 48.7% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.05898 0.887 0.909 0.05 1.05898 5 91
2.15772 0.652 0.713 0.1 2.15772 7 287
3.25827 0.343 0.407 0.15 3.25827 9 593
4.35914 0.116 0.176 0.2 4.35914 11 824
5.45038 0.042 0.099 0.25 5.45038 13 901
6.53148 0.015 0.08 0.3 6.53148 15 920
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.05533 0.89 0.89 0.05 1.05533 5 110
2.1057 0.663 0.663 0.1 2.1057 7 337
3.14841 0.379 0.379 0.15 3.14841 9 621
4.19336 0.129 0.129 0.2 4.19336 11 871
5.2362 0.051 0.051 0.25 5.2362 13 949
6.26672 0.034 0.034 0.3 6.26672 15 966
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.06, 9.1% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.16, 28.7% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.26, 59.3% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.36, 82.4% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.45, 90.1% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.53, 92.0% misclassified'
unset multiplot
