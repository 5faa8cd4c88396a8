# fig2e - drawn by edd reproduce from fig2e_passes.csv; re-render with: gnuplot fig2e.gp
if (!exists("outfile")) outfile = 'fig2e.png'
set terminal pngcairo size 1200,500 font ',9'
set output outfile
set multiplot layout 1,2 title 'Fig. 2e: FGM against the number N of passes (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'N, stochastic passes (Eq. 1)'
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1 0.1168 0.1168 1 6.12564 7 8832
2 0.6804 0.7385 2 6.2999 7 2615
5 0.76 0.8202 5 6.48661 7 1798
10 0.7749 0.8976 10 6.39984 7 1024
20 0.8113 0.8883 20 6.27504 7 1117
35 0.8259 0.9177 35 6.27521 7 823
50 0.8345 0.9213 50 6.23943 7 787
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle
$d1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1 0.1168 0.1168 1 6.12564 7 8832
2 0.0377 0.0596 2 6.20444 7 9404
5 0.0276 0.065 5 6.23616 7 9350
10 0.0201 0.0793 10 6.1965 7 9207
20 0.0243 0.0657 20 6.24316 7 9343
35 0.019 0.0806 35 6.26574 7 9194
50 0.0333 0.1024 50 6.19503 7 8976
EOD
$b1 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w l lc rgb '#b2182b' notitle, $d1 u 1:2 w l lc rgb '#2166ac' notitle, $d1 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d1 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle
unset multiplot
