# fig3e - drawn by edd reproduce from fig3e_cw.csv; re-render with: gnuplot fig3e.gp
if (!exists("outfile")) outfile = 'fig3e.png'
set terminal pngcairo size 600,500 font ',9'
set output outfile
set multiplot layout 1,1 title 'Fig. 3e: black-box CW-L2 from a defended surrogate (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'kappa, the confidence margin CW asks for'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.71 0.77 0 3.73529 7 23
0.5 0.68 0.74 0.5 4.07096 7 26
1 0.65 0.7 1 4.26146 7 30
1.5 0.62 0.67 1.5 4.18796 7 33
2 0.52 0.59 2 4.54661 7 41
2.5 0.53 0.57 2.5 4.76366 7 43
3 0.52 0.53 3 5.63762 7 47
4 0.97 0.98 4 6.15456 6 2
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
