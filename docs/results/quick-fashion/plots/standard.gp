# standard - drawn by edd reproduce from standard.csv; re-render with: gnuplot standard.gp
set terminal pngcairo size 1200,560 font ',10'
set output 'standard.png'
set multiplot layout 1,2 title 'Robust accuracy against the standard suite, worst case per image (n = 200, eps 0: clean)'
set yrange [0:1]
set grid
set key below horizontal maxrows 3 font ',8'
set ylabel 'robust accuracy (95% Wilson interval)'
$si0 << EOD
0 0.86 0.805101 0.90133
0.1 0.225 0.172624 0.287741
0.3 0 0 0.018845
EOD
$si1 << EOD
0 0.75 0.685659 0.804918
0.1 0.315 0.254623 0.38235
0.3 0 0 0.018845
EOD
$si2 << EOD
0 0.855 0.799513 0.897106
0.1 0.195 0.146055 0.25544
0.3 0 0 0.018845
EOD
$si3 << EOD
0 0.665 0.597022 0.726759
0.1 0.54 0.470823 0.607669
0.3 0.28 0.222369 0.345923
EOD
$si4 << EOD
0 0.61 0.540937 0.674917
0.1 0.505 0.43627 0.573542
0.3 0.265 0.208682 0.330176
EOD
set title 'L-inf'
set xlabel 'L-inf eps'
set xrange [-0.01:*]
plot $si0 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $si1 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $si2 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $si3 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $si4 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
$s20 << EOD
0 0.86 0.805101 0.90133
0.5 0.675 0.60732 0.736084
1 0.405 0.339378 0.474203
1.5 0.235 0.181574 0.298414
2 0.1 0.06567 0.149406
3 0 0 0.018845
4 0 0 0.018845
EOD
$s21 << EOD
0 0.75 0.685659 0.804918
0.5 0.65 0.581635 0.712712
1 0.505 0.43627 0.573542
1.5 0.36 0.296692 0.428585
2 0.235 0.181574 0.298414
3 0.09 0.057687 0.137766
4 0.005 0.000883 0.027774
EOD
$s22 << EOD
0 0.855 0.799513 0.897106
0.5 0.655 0.586756 0.717402
1 0.355 0.291986 0.423479
1.5 0.215 0.163719 0.277023
2 0.075 0.045975 0.120044
3 0 0 0.018845
4 0 0 0.018845
EOD
$s23 << EOD
0 0.665 0.597022 0.726759
0.5 0.575 0.505709 0.641464
1 0.51 0.441186 0.578437
1.5 0.41 0.344157 0.479235
2 0.325 0.263916 0.39268
3 0.05 0.027383 0.089578
4 0.005 0.000883 0.027774
EOD
$s24 << EOD
0 0.61 0.540937 0.674917
0.5 0.53 0.460917 0.597952
1 0.49 0.421563 0.558814
1.5 0.405 0.339378 0.474203
2 0.295 0.236139 0.361587
3 0.12 0.08198 0.172343
4 0.065 0.038376 0.108019
EOD
set title 'L2 (the paper claims L2 below 4)'
set xlabel 'L2 eps'
set xrange [-0.1:*]
plot $s20 u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended', $s21 u 1:2:3:4 w yerrorlines pt 9 lc rgb 0xe08214 t 'temperature distillation at T = 100', $s22 u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'extended distillation (this paper)', $s23 u 1:2:3:4 w yerrorlines pt 11 lc rgb 0x2166ac t 'adversarial training', $s24 u 1:2:3:4 w yerrorlines pt 13 lc rgb 0x1b7837 t 'adversarial training + extended distillation'
unset multiplot
