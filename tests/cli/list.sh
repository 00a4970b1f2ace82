#!/bin/sh
# -l (list) and -t (test): output, totals, exit codes; neither writes files.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
gen_text 2500 31 >a
gen_bin 700 32 >b
: >e
xm a b e
expect "setup: compress" 0
na=$(fsize a.llmz)

# -l on one archive: header and one row with frames, chunks, raw, sizes, ratio, bits/byte, model, name
listing() { ls -a | grep -v -e '^stdout$' -e '^stderr$' -e '^ls\.'; }
listing >ls.before
xm -l a.llmz
listing >ls.after
check "-l: writes no file" same ls.before ls.after
expect "-l" 0
out_has "-l header" "Frames"
out_has "-l header model column" "Model"
check "-l: two lines" [ "$(wc -l <stdout)" -eq 2 ]
check "-l: one frame" [ "$(awk 'NR == 2 { print $1 }' stdout)" -eq 1 ]
check "-l: compressed size" [ "$(awk 'NR == 2 { print $4 }' stdout)" -eq "$na" ]
check "-l: original size" [ "$(awk 'NR == 2 { print $5 }' stdout)" -eq "$(fsize a)" ]
check "-l: file name last" [ "$(awk 'NR == 2 { print $NF }' stdout)" = a.llmz ]
check "-l: bits per byte" awk 'NR == 2 { exit !($7 > 0 && $7 < 16) }' stdout
x -l a.llmz
expect "-l needs no model (built-in loaded or not)" 0
xm -l <a.llmz
expect "-l on stdin" 0
out_has "-l on stdin named" "(stdin)"

# -l on several files: one row each and a total
cat a.llmz b.llmz >ab.llmz
xm -l a.llmz b.llmz e.llmz ab.llmz
expect "-l several" 0
out_has "-l total line" "(4 files)"
check "-l total frames" [ "$(awk '/\(4 files\)/ { print $1 }' stdout)" -eq 5 ]
check "-l concatenation: two frames" [ "$(awk '$NF == "ab.llmz" { print $1 }' stdout)" -eq 2 ]
check "-l empty file: original 0" [ "$(awk '$NF == "e.llmz" { print $5 }' stdout)" -eq 0 ]
xm -lv ab.llmz
expect "-lv" 0
check "-lv lists each frame" [ "$(grep -c 'frame [0-9]' stdout)" -eq 2 ]

# -l errors: exit 1, the good files still listed
printf 'not llmz' >bad.llmz
xm -l bad.llmz a.llmz
expect "-l with a bad file" 1
err_has "-l bad file named" "bad.llmz"
out_has "-l good file still listed" "a.llmz"
head -c $((na - 1)) a.llmz >cut.llmz
xm -l cut.llmz
expect "-l truncated" 1
: >zero.llmz
xm -l zero.llmz
expect "-l 0-byte" 1

# -t: verifies, writes nothing
rm -f a b e
xm -t a.llmz b.llmz e.llmz ab.llmz
expect "-t good archives" 0
check "-t: nothing on stdout" [ ! -s stdout ]
check "-t: writes no file" absent a
check "-t: writes no file (b)" absent b
xm -tv a.llmz
expect "-tv" 0
err_has "-tv reports OK" "OK"
err_has "-tv reports bits/byte" "bits/byte"
xm -t <ab.llmz
expect "-t stdin" 0
xm -t cut.llmz a.llmz
expect "-t truncated" 1
err_has "-t truncated message" "unexpected end of input"
xm -t bad.llmz
expect "-t not llmz" 1
cp a.llmz flip.llmz
printf '\377' | dd of=flip.llmz bs=1 seek=$((na / 2)) conv=notrunc 2>/dev/null
xm -t flip.llmz
case $rc in
0 | 1) ok ;;
*) bad "-t corrupt: exit $rc" ;;
esac
check "-t: no temporary files" no_temps

# -v on compression: sizes, ratio, bits/byte, speed and the model's bits against the coded bits
gen_text 1000 33 >v
xm -v v
expect "-v compress" 0
err_has "-v names the file" "v:"
err_has "-v bits per byte" "bits/byte"
err_has "-v speed" "KB/s"
err_has "-v coder overhead" "coder overhead"
check "-v says nothing on stdout" [ ! -s stdout ]
rm v
xm -dv v.llmz
expect "-v decompress" 0
err_has "-v decompress stats" "bits/byte"

finish
