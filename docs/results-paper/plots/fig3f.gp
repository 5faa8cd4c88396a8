# fig3f - drawn by edd reproduce from fig3f_cw.csv; re-render with: gnuplot fig3f.gp
if (!exists("outfile")) outfile = 'fig3f.png'
set terminal pngcairo size 560,490 font ',10'
set output outfile
set multiplot layout 1,1 title 'Fig. 3f: black-box CW-L2 from an undefended surrogate (cw, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
$d0 << EOD
3.75771 0.67 0.76 1
3.92353 0.53 0.63 3
3.94553 0.76 0.83 0
3.94708 0.65 0.75 1.5
3.95457 0.73 0.82 0.5
4.00542 0.59 0.7 2
4.08131 0.55 0.65 2.5
4.20423 0.45 0.59 4
EOD
set title 'targets among the real classes (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb '#f4a582' t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb '#92c5de' t 'recovered', $d0 u 1:3 w lp pt 7 ps 0.8 lc rgb '#b2182b' notitle, $d0 u 1:2 w lp pt 7 ps 0.8 lc rgb '#2166ac' notitle, $d0 u 1:3:(sprintf('%g', $4)) w labels offset 0,0.8 font ',8' notitle
# point labels: the attack setting (kappa)
unset multiplot
