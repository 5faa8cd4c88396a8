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
0 0.006 0.006 0 6.92647 7 994
0.25 0.018 0.058 0.25 7.00171 7 942
0.5 0.011 0.193 0.5 6.97201 7 807
0.75 0.001 0.283 0.75 6.96968 7 717
0.9 0.003 0.353 0.9 6.99307 7 647
1 0.001 0.449 1 6.93864 7 551
1.25 0.002 0.534 1.25 6.94043 7 466
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.006 0.006 0 6.9249 7 994
0.25 0.007 0.025 0.25 6.96078 7 975
0.5 0.005 0.098 0.5 6.94819 7 902
0.75 0.002 0.168 0.75 6.91982 7 832
0.9 0.003 0.24 0.9 6.93048 7 760
1 0.002 0.31 1 6.91572 7 690
1.25 0.002 0.373 1.25 6.88833 7 627
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
unset multiplot
