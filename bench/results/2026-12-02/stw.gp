set terminal svg size 800,450 dynamic background rgb 'white' noenhanced
set output 'stw.svg'
set title 'Time to get exclusive access (stop the world / take the GIL), median'
set xlabel 'busy threads'
set xtics 1
set ylabel 'microseconds'
set logscale y 10
set grid
set key top left
plot 'stw.dat' using 1:2 with linespoints title 'ft', 'stw.dat' using 1:3 with linespoints title 'gil', 'stw.dat' using 1:4 with linespoints title 'atomic', 'stw.dat' using 1:5 with linespoints title 'cpython311'
