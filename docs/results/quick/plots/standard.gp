# standard - drawn by edd reproduce from standard.csv; re-render with: gnuplot standard.gp
set terminal pngcairo size 1200,560 font ',10'
set output 'standard.png'
set multiplot layout 1,2 title 'Robust accuracy against the standard suite, worst case per image (n = 200, eps 0: clean)'
set yrange [0:1]
set grid
set key below horizontal maxrows 3 font ',8'
set ylabel 'robust accuracy (95% Wilson interval)'
$si0 << EOD
0 0.985 0.956834 0.994886
0.1 0.465 0.397186 0.534134
0.3 0 0 0.018845
EOD
$si1 << EOD
0 0.97 0.936106 0.98618
0.1 0.31 0.249989 0.377172
0.3 0 0 0.018845
EOD
$si2 << EOD
0 0.99 0.964278 0.997253
0.1 0.465 0.397186 0.534134
0.3 0 0 0.018845
EOD
$si3 << EOD
0 0.98 0.949713 0.992196
0.1 0.97 0.936106 0.98618
0.3 0.77 0.706917 0.822907
EOD
$si4 << EOD
0 0.945 0.904213 0.969015
0.1 0.935 0.891981 0.961624
0.3 0.73 0.664566 0.786766
EOD
set title 'L-inf'
set xlabel 'L-inf eps'
set xrange [-0.01:*]
plot $si0 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $si1 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $si2 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $si3 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $si4 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
$s20 << EOD
0 0.985 0.956834 0.994886
0.5 0.95 0.910422 0.972617
1 0.72 0.654077 0.777631
1.5 0.32 0.259265 0.387519
2 0.11 0.073772 0.160927
3 0.005 0.000883 0.027774
4 0 0 0.018845
EOD
$s21 << EOD
0 0.97 0.936106 0.98618
0.5 0.875 0.821986 0.91388
1 0.665 0.597022 0.726759
1.5 0.28 0.222369 0.345923
2 0.105 0.069707 0.15518
3 0.02 0.007804 0.050287
4 0 0 0.018845
EOD
$s22 << EOD
0 0.99 0.964278 0.997253
0.5 0.935 0.891981 0.961624
1 0.755 0.690958 0.809431
1.5 0.335 0.273241 0.402978
2 0.085 0.053746 0.131896
3 0.01 0.002747 0.035722
4 0 0 0.018845
EOD
$s23 << EOD
0 0.98 0.949713 0.992196
0.5 0.965 0.929529 0.982944
1 0.9 0.850594 0.93433
1.5 0.72 0.654077 0.777631
2 0.51 0.441186 0.578437
3 0.05 0.027383 0.089578
4 0.005 0.000883 0.027774
EOD
$s24 << EOD
0 0.945 0.904213 0.969015
0.5 0.935 0.891981 0.961624
1 0.91 0.862234 0.942313
1.5 0.78 0.717612 0.831835
2 0.605 0.535883 0.670159
3 0.145 0.102894 0.200487
4 0.015 0.005114 0.043166
EOD
set title 'L2 (the paper claims L2 below 4)'
set xlabel 'L2 eps'
set xrange [-0.1:*]
plot $s20 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $s21 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $s22 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $s23 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $s24 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
unset multiplot
