# fig2c - drawn by edd reproduce from fig2c_cw.csv; re-render with: gnuplot fig2c.gp
if (!exists("outfile")) outfile = 'fig2c.png'
set terminal pngcairo size 600,500 font ',9'
set output outfile
set multiplot layout 1,1 title 'Fig. 2c: white-box CW-L2 on the distilled model (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.04 0.04 0 3.81217 7 96
0.5 0.04 0.04 0.5 3.97616 7 96
1 0.04 0.04 1 4.12624 7 96
1.5 0.1 0.1 1.5 4.16716 7 90
2 0.14 0.14 2 4.33592 7 86
2.5 0.17 0.17 2.5 4.8485 7 83
3 0.37 0.37 3 5.5916 7 63
4 0.96 0.96 4 7.85271 6 4
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
