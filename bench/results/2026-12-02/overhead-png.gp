set terminal pngcairo size 1000,500 background rgb 'white' noenhanced
set output 'overhead.png'
set title 'Single-thread time per op relative to gil (lower is better; 1 = gil)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set xtics rotate by 35 right nomirror
set bmargin 7
set logscale y 2
set grid ytics
set key outside right top
plot 'overhead.dat' using 2:xtic(1) title 'ft / gil', 'overhead.dat' using 3:xtic(1) title 'atomic / gil', 'overhead.dat' using 4:xtic(1) title 'cpython311 / gil'
