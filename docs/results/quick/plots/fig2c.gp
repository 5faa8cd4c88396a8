# fig2c - drawn by edd reproduce from fig2c_cw.csv; re-render with: gnuplot fig2c.gp
set terminal pngcairo size 1200,500 font ',9'
set output 'fig2c.png'
set multiplot layout 1,2 title 'Fig. 2c: white-box CW-L2 on the distilled model (cw, n = 50 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.1 0.1 0 4.24224 7 45
1 0.14 0.14 1 4.59857 7 43
2 0.26 0.26 2 5.22424 7 37
2.5 0.36 0.36 2.5 5.47977 7 32
3 0.46 0.46 3 5.90803 7 27
4 0.78 0.78 4 6.15092 6 11
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.06 0.06 0 4.09062 7 47
1 0.1 0.1 1 4.33424 7 45
2 0.14 0.14 2 4.57463 7 43
2.5 0.18 0.18 2.5 4.64865 7 41
3 0.22 0.22 3 4.72601 7 39
4 0.28 0.28 4 4.91826 7 36
EOD
set title 'AdaDelta, 100 iterations x 3 binary-search steps (our reading of the paper)'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d0 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d0 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle, keyentry w p pt 6 ps 1.2 lc rgb 'black' t 'hollow: fewer than 20 misclassified images'
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0 0 0 2.12009 7 50
1 0 0 1 2.65758 7 50
2 0.02 0.02 2 3.70011 7 49
2.5 0.08 0.08 2.5 4.12885 7 46
3 0.2 0.2 3 4.49238 7 40
4 0.38 0.38 4 5.76468 7 31
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0 0 0 2.1159 7 50
1 0.02 0.02 1 2.20975 7 49
2 0.02 0.02 2 2.44403 7 49
2.5 0.02 0.02 2.5 2.55073 7 49
3 0.02 0.02 3 2.63957 7 49
4 0.02 0.02 4 2.84597 7 49
EOD
set title 'budget: Adam lr 0.01, 500 iterations x 4 binary-search steps'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d1 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d1 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle
unset multiplot
