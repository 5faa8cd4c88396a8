# fig3b - drawn by edd reproduce from fig3b_fgm.csv; re-render with: gnuplot fig3b.gp
if (!exists("outfile")) outfile = 'fig3b.png'
set terminal pngcairo size 560,490 font ',10'
set output outfile
set multiplot layout 1,1 title 'Fig. 3b: black-box FGM from an undefended surrogate (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
1.04142 0.934 0.9408 0.05
2.04922 0.7012 0.719 0.1
3.05608 0.4289 0.4548 0.15
4.07263 0.2972 0.3352 0.2
5.08543 0.2266 0.2706 0.25
6.09019 0.1849 0.2344 0.3
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (eps)
unset multiplot
