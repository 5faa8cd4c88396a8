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
1 0.006 0.006 1 6.92647 7 994
2 0.009 0.131 2 6.96889 7 869
5 0.003 0.375 5 6.9881 7 625
10 0.001 0.384 10 6.93755 7 616
20 0.003 0.353 20 6.99307 7 647
35 0.002 0.367 35 6.93016 7 633
50 0 0.406 50 6.98013 7 594
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1 0.006 0.006 1 6.9249 7 994
2 0.005 0.07 2 6.92638 7 930
5 0.002 0.23 5 6.94986 7 770
10 0.001 0.257 10 6.88823 7 743
20 0.003 0.24 20 6.93048 7 760
35 0.002 0.241 35 6.87441 7 759
50 0.003 0.274 50 6.94794 7 726
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle
unset multiplot
