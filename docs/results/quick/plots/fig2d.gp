# fig2d - drawn by edd reproduce from fig2d_alpha.csv; re-render with: gnuplot fig2d.gp
set terminal pngcairo size 1200,500 font ',9'
set output 'fig2d.png'
set multiplot layout 1,2 title 'Fig. 2d: FGM against alpha (fgm, n = 1000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'alpha (Eq. 2)'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.005 0.005 0 6.26293 7 995
0.25 0.01 0.123 0.25 6.31227 7 877
0.5 0.007 0.322 0.5 6.29446 7 678
0.75 0 0.552 0.75 6.256 7 448
0.9 0 0.651 0.9 6.21917 7 349
1 0 0.657 1 6.18323 7 343
1.25 0 0.824 1.25 6.19773 7 176
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.005 0.005 0 6.2623 7 995
0.25 0.002 0.074 0.25 6.31282 7 926
0.5 0.001 0.194 0.5 6.32774 7 806
0.75 0.001 0.358 0.75 6.30504 7 642
0.9 0.001 0.491 0.9 6.29682 7 509
1 0.001 0.541 1 6.30019 7 459
1.25 0.001 0.734 1.25 6.32535 7 266
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
unset multiplot
