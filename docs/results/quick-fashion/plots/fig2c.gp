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
0 0.06 0.06 0 3.4044 7 47
1 0.08 0.08 1 4.07656 7 46
2 0.16 0.16 2 4.75229 7 42
2.5 0.3 0.3 2.5 4.66901 7 35
3 0.34 0.34 3 5.23482 7 33
4 0.48 0.48 4 6.22459 7 26
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.04 0.04 0 3.46284 7 48
1 0.06 0.06 1 3.77826 7 47
2 0.08 0.08 2 4.13772 7 46
2.5 0.08 0.08 2.5 4.33301 7 46
3 0.12 0.12 3 4.43462 7 44
4 0.16 0.16 4 4.55365 7 42
EOD
set title 'AdaDelta, 100 iterations x 3 binary-search steps (our reading of the paper)'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d0 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d0 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle, $b0 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b0 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0 0 0 1.68518 7 50
1 0 0 1 2.24173 7 50
2 0.06 0.06 2 3.13822 7 47
2.5 0.08 0.08 2.5 3.73084 7 46
3 0.08 0.08 3 4.66702 7 46
4 0.18 0.18 4 5.91407 7 41
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0 0 0 1.86768 7 50
1 0 0 1 2.12938 7 50
2 0 0 2 2.4556 7 50
2.5 0 0 2.5 2.62988 7 50
3 0 0 3 2.81786 7 50
4 0 0 4 3.14767 7 50
EOD
set title 'budget: Adam lr 0.01, 500 iterations x 4 binary-search steps'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d1 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d1 u 1:3 w l lc rgb 0xb2182b notitle, $d1 u 1:2 w l lc rgb 0x2166ac notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, $d1 u 1:5 axes x1y2 w l lc rgb 0x1b7837 t 'mean L2 (right axis)', $d1 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb 0x1b7837 notitle, $b1 u 1:3 w l dt 2 lw 1.5 lc rgb 'black' t 'undefended baseline: recovered + detected', $b1 u 1:3:6 w p pt variable ps 1.2 lc rgb 'black' notitle
unset multiplot
