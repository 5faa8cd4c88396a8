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
1.22616 0.552 0.602 0.05 1.22616 5 398
2.44758 0.332 0.441 0.1 2.44758 7 559
3.63933 0.213 0.393 0.15 3.63933 9 607
4.78376 0.147 0.405 0.2 4.78376 11 595
5.89532 0.105 0.421 0.25 5.89532 13 579
6.97501 0.072 0.425 0.3 6.97501 15 575
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.2101 0.542 0.542 0.05 1.2101 5 458
2.39588 0.243 0.243 0.1 2.39588 7 757
3.55435 0.109 0.109 0.15 3.55435 9 891
4.67504 0.035 0.035 0.2 4.67504 11 965
5.76131 0.005 0.005 0.25 5.76131 13 995
6.82232 0 0 0.3 6.82232 15 1000
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.23, 39.8% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.45, 55.9% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.64, 60.7% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.78, 59.5% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.90, 57.9% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.98, 57.5% misclassified'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.20954 0.535 0.554 0.05 1.20954 5 446
2.40016 0.221 0.28 0.1 2.40016 7 720
3.57332 0.099 0.202 0.15 3.57332 9 798
4.69796 0.034 0.161 0.2 4.69796 11 839
5.79035 0.015 0.175 0.25 5.79035 13 825
6.85211 0.002 0.196 0.3 6.85211 15 804
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.2101 0.542 0.542 0.05 1.2101 5 458
2.39588 0.243 0.243 0.1 2.39588 7 757
3.55435 0.109 0.109 0.15 3.55435 9 891
4.67504 0.035 0.035 0.2 4.67504 11 965
5.76131 0.005 0.005 0.25 5.76131 13 995
6.82232 0 0 0.3 6.82232 15 1000
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.21, 44.6% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.40, 72.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.57, 79.8% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.70, 83.9% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.79, 82.5% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.85, 80.4% misclassified'
unset multiplot
