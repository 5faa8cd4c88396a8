# fig2a - drawn by edd reproduce from fig2a_fgm.csv; re-render with: gnuplot fig2a.gp
if (!exists("outfile")) outfile = 'fig2a.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 2a: white-box FGM on the distilled model (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
1.04802 0.9171 0.9539 0.05
2.09844 0.8831 0.9316 0.1
3.14393 0.8655 0.9197 0.15
4.19285 0.8511 0.9112 0.2
5.23849 0.8328 0.9008 0.25
6.27504 0.8113 0.8883 0.3
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (eps)
$d1 << EOD
1.05242 0.8794 0.8891 0.05
2.0809 0.5096 0.5411 0.1
3.12551 0.2356 0.2763 0.15
4.17255 0.1051 0.1462 0.2
5.21347 0.0485 0.0876 0.25
6.24316 0.0243 0.0657 0.3
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d1 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (eps)
unset multiplot
