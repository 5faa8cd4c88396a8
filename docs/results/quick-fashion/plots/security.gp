# security - drawn by edd reproduce from security.csv; re-render with: gnuplot security.gp
set terminal pngcairo size 760,520 font ',10'
set output 'security.png'
$bw << EOD
0 0.882 0.850768 0.907407
0.05 0.494 0.45039 0.537701
0.1 0.174 0.143289 0.209682
0.15 0.05 0.034094 0.072768
0.2 0.006 0.002043 0.01749
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$dw << EOD
0 0.874 0.842032 0.900265
0.05 0.488 0.444445 0.531738
0.1 0.154 0.125011 0.188265
0.15 0.05 0.034094 0.072768
0.2 0.006 0.002043 0.01749
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$bp << EOD
0 0.882 0.850768 0.907407
0.05 0.504 0.460312 0.547627
0.1 0.182 0.150646 0.218203
0.15 0.054 0.037374 0.077427
0.2 0.006 0.002043 0.01749
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$dp << EOD
0 0.874 0.842032 0.900265
0.05 0.504 0.460312 0.547627
0.1 0.176 0.145126 0.211814
0.15 0.062 0.044019 0.08666
0.2 0.018 0.009498 0.033852
0.25 0.006 0.002043 0.01749
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
