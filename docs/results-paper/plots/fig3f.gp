# fig3f - drawn by edd reproduce from fig3f_cw.csv; re-render with: gnuplot fig3f.gp
if (!exists("outfile")) outfile = 'fig3f.png'
set terminal pngcairo size 600,500 font ',9'
set output outfile
set multiplot layout 1,1 title 'Fig. 3f: black-box CW-L2 from an undefended surrogate (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.76 0.83 0 3.94553 6 17
0.5 0.73 0.82 0.5 3.95457 6 18
1 0.67 0.76 1 3.75771 7 24
1.5 0.65 0.75 1.5 3.94708 7 25
2 0.59 0.7 2 4.00542 7 30
2.5 0.55 0.65 2.5 4.08131 7 35
3 0.53 0.63 3 3.92353 7 37
4 0.45 0.59 4 4.20423 7 41
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'AdaDelta, 200 iterations x 4 binary-search steps (our reading of the paper)'
set ytics nomirror
set y2tics
set y2range [0:*]
set y2label 'mean L2 of the misclassified examples (green)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, $d0 u 1:5 axes x1y2 w l lc rgb '#1b7837' t 'mean L2 (right axis)', $d0 u 1:5:6 axes x1y2 w p pt variable ps 1.2 lc rgb '#1b7837' notitle, keyentry w p pt 6 ps 1.2 lc rgb 'black' t 'hollow: fewer than 20 misclassified images'
unset multiplot
