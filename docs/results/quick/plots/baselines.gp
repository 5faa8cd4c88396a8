# baselines - drawn by edd reproduce from baselines.csv; re-render with: gnuplot baselines.gp
set terminal pngcairo size 760,560 font ',10'
set output 'baselines.png'
$b0 << EOD
0 0.018 0.00949819 0.0338517
0.05 0.12 0.094375 0.15142
0.1 0.494 0.45039 0.537701
0.15 0.872 0.839854 0.898473
0.2 0.982 0.966148 0.990502
0.25 0.996 0.985534 0.998902
0.3 1 0.992376 1
EOD
$b1 << EOD
0 0.042 0.0276323 0.0633516
0.05 0.204 0.170998 0.241515
0.1 0.632 0.588872 0.673115
0.15 0.884 0.852958 0.909186
0.2 0.966 0.946229 0.978665
0.25 0.99 0.976807 0.995721
0.3 0.994 0.98251 0.997957
EOD
$b2 << EOD
0 0.016 0.00812925 0.0312511
0.05 0.124 0.097946 0.155787
0.1 0.504 0.460312 0.547627
0.15 0.886 0.855151 0.910963
0.2 0.98 0.96358 0.989101
0.25 0.998 0.988759 0.999647
0.3 1 0.992376 1
EOD
$b3 << EOD
0 0.028 0.016751 0.0464464
0.05 0.036 0.022891 0.056184
0.1 0.05 0.034094 0.072768
0.15 0.074 0.054161 0.100335
0.2 0.098 0.074924 0.127206
0.25 0.142 0.114129 0.17533
0.3 0.196 0.163578 0.233057
EOD
$b4 << EOD
0 0.022 0.012328 0.0389609
0.05 0.032 0.019792 0.051345
0.1 0.036 0.022891 0.056184
0.15 0.058 0.040684 0.082056
0.2 0.082 0.061019 0.109355
0.25 0.106 0.081957 0.136051
0.3 0.238 0.202759 0.277236
EOD
set title 'White-box PGD with the margin loss, 40 steps x 1 restart (n = 500, eps 0: clean)'
set xlabel 'L-inf eps'
set ylabel 'misclassified (95% Wilson interval)'
set yrange [0:1]
set xrange [-0.01:*]
set grid
set key below horizontal maxrows 3
plot $b0 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $b1 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $b2 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $b3 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $b4 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
