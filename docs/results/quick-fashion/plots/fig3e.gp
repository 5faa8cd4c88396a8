# fig3e - drawn by edd reproduce from fig3e_cw.csv; re-render with: gnuplot fig3e.gp
set terminal pngcairo size 600,500 font ',9'
set output 'fig3e.png'
set multiplot layout 1,1 title 'Fig. 3e: black-box CW-L2 from a defended surrogate (cw, n = 50 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.42 0.54 0 3.32933 7 23
1 0.4 0.48 1 3.8081 7 26
2 0.38 0.44 2 4.50548 7 28
2.5 0.38 0.4 2.5 4.84375 7 30
3 0.44 0.44 3 5.20396 7 28
4 0.52 0.52 4 5.96012 7 24
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'AdaDelta, 100 iterations x 3 binary-search steps (our reading of the paper)'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d0 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d0 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle
unset multiplot
