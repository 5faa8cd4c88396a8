# fig2e - drawn by edd reproduce from fig2e_passes.csv; re-render with: gnuplot fig2e.gp
if (!exists("outfile")) outfile = 'fig2e.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 2e: FGM against the number N of passes (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'N, stochastic passes (Eq. 1)'
$d0 << EOD
1 0.1168 0.1168 1
2 0.6804 0.7385 2
5 0.76 0.8202 5
10 0.7749 0.8976 10
20 0.8113 0.8883 20
35 0.8259 0.9177 35
50 0.8345 0.9213 50
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle
$d1 << EOD
1 0.1168 0.1168 1
2 0.0377 0.0596 2
5 0.0276 0.065 5
10 0.0201 0.0793 10
20 0.0243 0.0657 20
35 0.019 0.0806 35
50 0.0333 0.1024 50
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle
unset multiplot
