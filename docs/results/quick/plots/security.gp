# security - drawn by edd reproduce from security.csv; re-render with: gnuplot security.gp
set terminal pngcairo size 760,520 font ',10'
set output 'security.png'
$bw << EOD
0 0.982 0.966148 0.990502
0.05 0.878 0.846395 0.903841
0.1 0.482 0.438507 0.525768
0.15 0.108 0.083723 0.138255
0.2 0.014 0.006798 0.028613
0.25 0.002 0.000353 0.011241
0.3 0 0 0.007624
EOD
$dw << EOD
0 0.98 0.96358 0.989101
0.05 0.87 0.837679 0.896679
0.1 0.48 0.436528 0.523777
0.15 0.092 0.069683 0.120539
0.2 0.018 0.009498 0.033852
0.25 0.002 0.000353 0.011241
0.3 0 0 0.007624
EOD
$bp << EOD
0 0.982 0.966148 0.990502
0.05 0.88 0.84858 0.905625
0.1 0.506 0.462299 0.54961
0.15 0.128 0.101527 0.160146
0.2 0.018 0.009498 0.033852
0.25 0.004 0.001098 0.014466
0.3 0 0 0.007624
EOD
$dp << EOD
0 0.98 0.96358 0.989101
0.05 0.876 0.844213 0.902054
0.1 0.496 0.452373 0.539688
0.15 0.114 0.089037 0.144849
0.2 0.02 0.010899 0.03642
0.25 0.002 0.000353 0.011241
0.3 0 0 0.007624
EOD
set title 'Security curve: robust accuracy under the worst case per image (n = 500)'
set xlabel 'L-inf eps'
set ylabel 'robust accuracy (95% Wilson interval)'
set yrange [0:1]
set xrange [-0.01:*]
set grid
set key below horizontal
plot $bw u 1:2:3:4 w yerrorlines pt 7 lc rgb 0x4d4d4d t 'undefended baseline, worst case', $dw u 1:2:3:4 w yerrorlines pt 5 lc rgb 0xb2182b t 'distilled, worst case', $bp u 1:2 w lp dt 2 pt 6 lc rgb 0x4d4d4d t 'baseline, PGD margin alone', $dp u 1:2 w lp dt 2 pt 4 lc rgb 0xb2182b t 'distilled, PGD margin alone'
