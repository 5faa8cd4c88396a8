# fig2d - drawn by edd reproduce from fig2d_alpha.csv; re-render with: gnuplot fig2d.gp
if (!exists("outfile")) outfile = 'fig2d.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 2d: FGM against alpha (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'alpha (Eq. 2)'
$d0 << EOD
0 0.1168 0.1168 0
0.25 0.6613 0.6829 0.25
0.5 0.7421 0.8017 0.5
0.75 0.79 0.8491 0.75
0.9 0.8113 0.8883 0.9
1 0.8133 0.9086 1
1.25 0.7329 0.9263 1.25
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle
$d1 << EOD
0 0.1168 0.1168 0
0.25 0.0221 0.0431 0.25
0.5 0.0272 0.0801 0.5
0.75 0.0274 0.0668 0.75
0.9 0.0243 0.0657 0.9
1 0.0326 0.0859 1
1.25 0.0155 0.0873 1.25
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle
unset multiplot
