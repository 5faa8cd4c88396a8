# fig2d - drawn by edd reproduce from fig2d_alpha.csv; re-render with: gnuplot fig2d.gp
if (!exists("outfile")) outfile = 'fig2d.png'
set terminal pngcairo size 1200,500 font ',9'
set output outfile
set multiplot layout 1,2 title 'Fig. 2d: FGM against alpha (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'alpha (Eq. 2)'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.1168 0.1168 0 6.12564 7 8832
0.25 0.6613 0.6829 0.25 6.47542 7 3171
0.5 0.7421 0.8017 0.5 6.28456 7 1983
0.75 0.79 0.8491 0.75 6.38615 7 1509
0.9 0.8113 0.8883 0.9 6.27504 7 1117
1 0.8133 0.9086 1 6.24158 7 914
1.25 0.7329 0.9263 1.25 6.259 7 737
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
0 0.1168 0.1168 0 6.12564 7 8832
0.25 0.0221 0.0431 0.25 6.27269 7 9569
0.5 0.0272 0.0801 0.5 6.18346 7 9199
0.75 0.0274 0.0668 0.75 6.22742 7 9332
0.9 0.0243 0.0657 0.9 6.24316 7 9343
1 0.0326 0.0859 1 6.21695 7 9141
1.25 0.0155 0.0873 1.25 6.21863 7 9127
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w l lc rgb '#b2182b' notitle, $d1 u 1:2 w l lc rgb '#2166ac' notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle
unset multiplot
