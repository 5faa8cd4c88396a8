# standard - drawn by edd reproduce from standard.csv; re-render with: gnuplot standard.gp
if (!exists("outfile")) outfile = 'standard.png'
set terminal pngcairo size 1200,560 font ',10'
set output outfile
set multiplot layout 1,2 title 'Robust accuracy against the standard suite, worst case per image (n = 200; eps 0: clean)'
set yrange [0:1]
set grid
set key below horizontal maxrows 3 font ',8'
set ylabel 'robust accuracy (95% Wilson interval)'
$si0 << EOD
0 0.98 0.949713 0.992196
0.1 0.455 0.387482 0.524214
0.3 0 0 0.018845
EOD
$si1 << EOD
0 0.975 0.942822 0.989275
0.1 0.305 0.245364 0.371986
0.3 0 0 0.018845
EOD
$si2 << EOD
0 0.985 0.956834 0.994886
0.1 0.49 0.421563 0.558814
0.3 0 0 0.018845
EOD
$si3 << EOD
0 0.98 0.949713 0.992196
0.1 0.97 0.936106 0.98618
0.3 0.775 0.712259 0.827376
EOD
$si4 << EOD
0 0.945 0.904213 0.969015
0.1 0.94 0.898068 0.965348
0.3 0.735 0.669824 0.791318
EOD
set title 'L-inf'
set xlabel 'L-inf eps'
set xrange [-0.01:*]
plot $si0 u 1:2:3:4 w yerrorlines pt 7 lc rgb '#4d4d4d' t 'undefended', $si1 u 1:2:3:4 w yerrorlines pt 9 lc rgb '#e08214' t 'temperature distillation at T = 100', $si2 u 1:2:3:4 w yerrorlines pt 5 lc rgb '#b2182b' t 'extended distillation (this paper)', $si3 u 1:2:3:4 w yerrorlines pt 11 lc rgb '#2166ac' t 'adversarial training', $si4 u 1:2:3:4 w yerrorlines pt 13 lc rgb '#1b7837' t 'adversarial training + extended distillation'
$s20 << EOD
0 0.98 0.949713 0.992196
0.5 0.93 0.885945 0.957848
1 0.695 0.628014 0.754636
1.5 0.295 0.236139 0.361587
2 0.105 0.069707 0.15518
3 0.005 0.000883 0.027774
4 0 0 0.018845
EOD
$s21 << EOD
0 0.975 0.942822 0.989275
0.5 0.885 0.833353 0.922136
1 0.67 0.602167 0.731426
1.5 0.27 0.213234 0.335434
2 0.105 0.069707 0.15518
3 0.02 0.007804 0.050287
4 0 0 0.018845
EOD
$s22 << EOD
0 0.985 0.956834 0.994886
0.5 0.95 0.910422 0.972617
1 0.785 0.722977 0.836281
1.5 0.305 0.245364 0.371986
2 0.105 0.069707 0.15518
3 0.01 0.002747 0.035722
4 0 0 0.018845
EOD
$s23 << EOD
0 0.98 0.949713 0.992196
0.5 0.965 0.929529 0.982944
1 0.91 0.862234 0.942313
1.5 0.74 0.675093 0.795862
2 0.565 0.495707 0.631843
3 0.065 0.038376 0.108019
4 0.005 0.000883 0.027774
EOD
$s24 << EOD
0 0.945 0.904213 0.969015
0.5 0.94 0.898068 0.965348
1 0.9 0.850594 0.93433
1.5 0.765 0.701586 0.818426
2 0.55 0.480756 0.617359
3 0.13 0.090282 0.183664
4 0.005 0.000883 0.027774
EOD
set title 'L2 (the paper claims L2 < 4)'
set xlabel 'L2 eps'
set xrange [-0.1:*]
plot $s20 u 1:2:3:4 w yerrorlines pt 7 lc rgb '#4d4d4d' t 'undefended', $s21 u 1:2:3:4 w yerrorlines pt 9 lc rgb '#e08214' t 'temperature distillation at T = 100', $s22 u 1:2:3:4 w yerrorlines pt 5 lc rgb '#b2182b' t 'extended distillation (this paper)', $s23 u 1:2:3:4 w yerrorlines pt 11 lc rgb '#2166ac' t 'adversarial training', $s24 u 1:2:3:4 w yerrorlines pt 13 lc rgb '#1b7837' t 'adversarial training + extended distillation'
unset multiplot
