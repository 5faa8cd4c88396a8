# fig3f - drawn by edd reproduce from fig3f_cw.csv; re-render with: gnuplot fig3f.gp
set terminal pngcairo size 600,500 font ',9'
set output 'fig3f.png'
set multiplot layout 1,1 title 'Fig. 3f: black-box CW-L2 from an undefended surrogate (cw, n = 50 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.48 0.64 0 2.83768 6 18
1 0.42 0.66 1 2.90203 6 17
2 0.34 0.62 2 3.34476 6 19
2.5 0.34 0.54 2.5 3.68508 7 23
3 0.34 0.54 3 3.84469 7 23
4 0.32 0.54 4 3.96922 7 23
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'AdaDelta, 100 iterations x 3 binary-search steps (our reading of the paper)'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d0 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d0 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle, keyentry w p pt 6 ps 1.2 lc rgb 'black' t 'hollow: fewer than 20 misclassified images'
unset multiplot
