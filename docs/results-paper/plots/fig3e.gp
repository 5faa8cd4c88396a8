# fig3e - drawn by edd reproduce from fig3e_cw.csv; re-render with: gnuplot fig3e.gp
if (!exists("outfile")) outfile = 'fig3e.png'
set terminal pngcairo size 560,490 font ',10'
set output outfile
set multiplot layout 1,1 title 'Fig. 3e: black-box CW-L2 from a defended surrogate (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.73529 0.71 0.77 0
4.07096 0.68 0.74 0.5
4.18796 0.62 0.67 1.5
4.26146 0.65 0.7 1
4.54661 0.52 0.59 2
4.76366 0.53 0.57 2.5
5.63762 0.52 0.53 3
6.15456 0.97 0.98 4
EOD
set title 'targets among the real classes (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (kappa)
unset multiplot
