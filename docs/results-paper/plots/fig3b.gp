# fig3b - drawn by edd reproduce from fig3b_fgm.csv; re-render with: gnuplot fig3b.gp
if (!exists("outfile")) outfile = 'fig3b.png'
set terminal pngcairo size 600,596 font ',9'
set output outfile
set multiplot layout 1,1 title 'Fig. 3b: black-box FGM from an undefended surrogate (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
1.04142 0.934 0.9408 0.05 1.04142 5 592
2.04922 0.7012 0.719 0.1 2.04922 7 2810
3.05608 0.4289 0.4548 0.15 3.05608 9 5452
4.07263 0.2972 0.3352 0.2 4.07263 11 6648
5.08543 0.2266 0.2706 0.25 5.08543 13 7294
6.09019 0.1849 0.2344 0.3 6.09019 15 7656
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w l lc rgb '#b2182b' notitle, $d0 u 1:2 w l lc rgb '#2166ac' notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb '#b2182b' notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb '#2166ac' notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'eps 0.05: L2 1.04, 5.9% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'eps 0.1: L2 2.05, 28.1% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'eps 0.15: L2 3.06, 54.5% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'eps 0.2: L2 4.07, 66.5% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'eps 0.25: L2 5.09, 72.9% misclassified', keyentry w p pt 15 ps 1.2 lc rgb 'black' t 'eps 0.3: L2 6.09, 76.6% misclassified'
unset multiplot
