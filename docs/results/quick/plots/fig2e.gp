# fig2e - drawn by edd reproduce from fig2e_passes.csv; re-render with: gnuplot fig2e.gp
set terminal pngcairo size 1200,500 font ',9'
set output 'fig2e.png'
set multiplot layout 1,2 title 'Fig. 2e: FGM against the number N of passes (fgm, n = 1000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'N, stochastic passes (Eq. 1)'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1 0.005 0.005 1 6.26293 7 995
2 0.008 0.279 2 6.30114 7 721
5 0 0.504 5 6.26591 7 496
10 0 0.705 10 6.23361 7 295
20 0 0.651 20 6.21917 7 349
35 0 0.639 35 6.22594 7 361
50 0 0.715 50 6.17215 7 285
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1 0.005 0.005 1 6.2623 7 995
2 0.002 0.169 2 6.33145 7 831
5 0.002 0.34 5 6.32066 7 660
10 0.001 0.526 10 6.34004 7 474
20 0.001 0.491 20 6.29682 7 509
35 0.001 0.53 35 6.2877 7 470
50 0.001 0.588 50 6.27611 7 412
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
unset multiplot
