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
3.39494 0.57 0.66 0.025 3.39494 5 34
4.28913 0.5 0.62 0.05 4.28913 7 38
4.83581 0.44 0.57 0.075 4.83581 9 43
5.07189 0.43 0.56 0.1 5.07189 11 44
5.23224 0.42 0.56 0.15 5.23224 13 44
EOD
$b0 << EOD
# x recovered recovered+detected setting mean_l2 pointtype misclassified_images
EOD
set title 'cleverhans float32 Jacobian (the paper)'
plot $d0 u 1:3 w filledcurves x1 lc rgb 0xf4a582 t 'detected', $d0 u 1:2 w filledcurves x1 lc rgb 0x92c5de t 'recovered', $d0 u 1:3 w l lc rgb 0xb2182b notitle, $d0 u 1:2 w l lc rgb 0x2166ac notitle, $d0 u 1:3:6 w p pt variable ps 1.2 lc rgb 0xb2182b notitle, $d0 u 1:2:6 w p pt variable ps 1.2 lc rgb 0x2166ac notitle, keyentry w p pt 5 ps 1.2 lc rgb 'black' t 'gamma 0.025: L2 3.39, 34.0% misclassified', keyentry w p pt 7 ps 1.2 lc rgb 'black' t 'gamma 0.05: L2 4.29, 38.0% misclassified', keyentry w p pt 9 ps 1.2 lc rgb 'black' t 'gamma 0.075: L2 4.84, 43.0% misclassified', keyentry w p pt 11 ps 1.2 lc rgb 'black' t 'gamma 0.1: L2 5.07, 44.0% misclassified', keyentry w p pt 13 ps 1.2 lc rgb 'black' t 'gamma 0.15: L2 5.23, 44.0% misclassified'
unset multiplot
