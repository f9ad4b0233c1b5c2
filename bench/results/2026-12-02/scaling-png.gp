set terminal pngcairo size 1000,500 background rgb 'white' noenhanced
set output 'scaling.png'
set title 'Scaling: ops/s at T=2 over ops/s at T=1 (higher is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by 35 right nomirror
set bmargin 7
set yrange [0:*]
set ytics 0.5
set grid ytics
set key outside right top
plot 'scaling.dat' using 2:xtic(1) title 'ft', 'scaling.dat' using 3:xtic(1) title 'gil', 'scaling.dat' using 4:xtic(1) title 'atomic', 'scaling.dat' using 5:xtic(1) title 'cpython311'
