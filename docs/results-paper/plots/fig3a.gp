# fig3a - drawn by edd reproduce from fig3a_fgm.csv; re-render with: gnuplot fig3a.gp
if (!exists("outfile")) outfile = 'fig3a.png'
set terminal pngcairo size 1120,490 font ',10'
set output outfile
set multiplot layout 1,2 title 'Fig. 3a: black-box FGM from a defended surrogate (fgm, n = 10000 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
1.05909 0.9551 0.9691 0.05
2.12733 0.9217 0.946 0.1
3.16551 0.8844 0.9138 0.15
4.22907 0.8453 0.8793 0.2
5.32579 0.8126 0.8499 0.25
6.41476 0.7885 0.8313 0.3
EOD
set title 'loss over all K outputs (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (eps)
$d1 << EOD
1.05222 0.9327 0.9403 0.05
2.09227 0.6927 0.7185 0.1
3.12943 0.407 0.448 0.15
4.16711 0.2409 0.2857 0.2
5.20367 0.146 0.1947 0.25
6.23304 0.0938 0.1435 0.3
EOD
set title 'adaptive: loss over the 10 real classes'
plot $d1 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d1 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d1 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d1 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d1 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (eps)
unset multiplot
