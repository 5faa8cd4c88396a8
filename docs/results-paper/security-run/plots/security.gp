# security - drawn by edd reproduce from security.csv; re-render with: gnuplot security.gp
if (!exists("outfile")) outfile = 'security.png'
set terminal pngcairo size 760,520 font ',10'
set output outfile
$bw << EOD
0 0.99 0.976807 0.995721
0.05 0.826 0.790318 0.856711
0.1 0.158 0.128653 0.192562
0.15 0 0 0.007624
0.2 0 0 0.007624
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$dw << EOD
0 0.992 0.979613 0.996885
0.05 0.706 0.664617 0.744242
0.1 0.162 0.132302 0.196852
0.15 0.008 0.003115 0.020387
0.2 0 0 0.007624
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$bp << EOD
0 0.99 0.976807 0.995721
0.05 0.83 0.794588 0.86038
0.1 0.178 0.146965 0.213945
0.15 0 0 0.007624
0.2 0 0 0.007624
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
$dp << EOD
0 0.992 0.979613 0.996885
0.05 0.722 0.681151 0.759463
0.1 0.168 0.137788 0.203274
0.15 0.01 0.004279 0.023193
0.2 0 0 0.007624
0.25 0 0 0.007624
0.3 0 0 0.007624
EOD
set title 'Security curve: robust accuracy under the worst case per image (n = 500)'
set xlabel 'L-inf eps'
set ylabel 'robust accuracy (95% Wilson interval)'
set yrange [0:1]
set xrange [-0.01:*]
set grid
set key below horizontal
plot $bw u 1:2:3:4 w yerrorlines pt 7 lc rgb '#4d4d4d' t 'undefended baseline, worst case', $dw u 1:2:3:4 w yerrorlines pt 5 lc rgb '#b2182b' t 'distilled, worst case', $bp u 1:2 w lp dt 2 pt 6 lc rgb '#4d4d4d' t 'baseline, PGD margin alone', $dp u 1:2 w lp dt 2 pt 4 lc rgb '#b2182b' t 'distilled, PGD margin alone'
