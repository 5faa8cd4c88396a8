# fig2c - drawn by edd reproduce from fig2c_cw.csv; re-render with: gnuplot fig2c.gp
if (!exists("outfile")) outfile = 'fig2c.png'
set terminal pngcairo size 560,490 font ',10'
set output outfile
set multiplot layout 1,1 title 'Fig. 2c: white-box CW-L2 (AdaDelta) on the distilled model (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.81217 0.04 0.04 0
3.97616 0.04 0.04 0.5
4.12624 0.04 0.04 1
4.16716 0.1 0.1 1.5
4.33592 0.14 0.14 2
4.8485 0.17 0.17 2.5
5.5916 0.37 0.37 3
7.85271 0.96 0.96 4
EOD
set title 'targets among the real classes (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (kappa)
unset multiplot
