# baselines - drawn by edd reproduce from baselines.csv; re-render with: gnuplot baselines.gp
set terminal pngcairo size 760,560 font ',10'
set output 'baselines.png'
$b0 << EOD
0 0.118 0.092593 0.149232
0.05 0.496 0.452373 0.539688
0.1 0.818 0.781797 0.849354
0.15 0.946 0.922573 0.962626
0.2 0.994 0.98251 0.997957
0.25 1 0.992376 1
0.3 1 0.992376 1
EOD
$b1 << EOD
0 0.218 0.184034 0.256266
0.05 0.418 0.375553 0.461697
0.1 0.688 0.646086 0.727047
0.15 0.892 0.861745 0.916277
0.2 0.97 0.951096 0.981737
0.25 0.998 0.988759 0.999647
0.3 0.998 0.988759 0.999647
EOD
$b2 << EOD
0 0.124 0.0979461 0.155787
0.05 0.496 0.452373 0.539688
0.1 0.824 0.788186 0.854874
0.15 0.938 0.91334 0.955981
0.2 0.982 0.966148 0.990502
0.25 0.994 0.98251 0.997957
0.3 1 0.992376 1
EOD
$b3 << EOD
0 0.344 0.303693 0.386686
0.05 0.42 0.377509 0.463711
0.1 0.458 0.414815 0.501826
0.15 0.492 0.448408 0.535714
0.2 0.54 0.496175 0.583215
0.25 0.594 0.550397 0.63617
0.3 0.666 0.623533 0.705936
EOD
$b4 << EOD
0 0.144 0.115938 0.17749
0.05 0.214 0.180303 0.252058
0.1 0.29 0.251947 0.331255
0.15 0.366 0.324948 0.409096
0.2 0.416 0.373597 0.459683
0.25 0.49 0.446426 0.533726
0.3 0.602 0.558475 0.64397
EOD
set title 'White-box PGD with the margin loss, 40 steps x 1 restart (n = 500, eps 0: clean)'
set xlabel 'L-inf eps'
set ylabel 'misclassified (95% Wilson interval)'
set yrange [0:1]
set xrange [-0.01:*]
set grid
set key below horizontal maxrows 3
plot $b0 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $b1 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $b2 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $b3 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $b4 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
