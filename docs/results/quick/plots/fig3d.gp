# fig3d - drawn by edd reproduce from fig3d_jsma.csv; re-render with: gnuplot fig3d.gp
set terminal pngcairo size 600,580 font ',9'
set output 'fig3d.png'
set multiplot layout 1,1 title 'Fig. 3d: black-box JSMA from an undefended surrogate (jsma, n = 100 per point)'
set yrange [0:1]
set xrange [0:*]
set grid
set key below horizontal Left reverse maxcols 1 samplen 3 height 1.5
set ylabel 'fraction of adversarial inputs'
set xlabel 'mean L2 perturbation of the misclassified examples'
set offsets 0, graph 0.04, 0, 0 # the largest perturbation off the border
$d0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
3.90614 0.51 0.65 0.025 3.90614 5 35
4.67733 0.46 0.62 0.05 4.67733 7 38
4.904 0.45 0.62 0.075 4.904 9 38
4.95618 0.45 0.62 0.1 4.95618 11 38
4.96569 0.45 0.62 0.15 4.96569 13 38
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.91, 35.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.68, 38.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.90, 38.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 4.96, 38.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 4.97, 38.0% misclassified'
unset multiplot
