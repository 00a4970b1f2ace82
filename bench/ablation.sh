#!/bin/sh
# bench/ablation.sh -- what each family of llmz's online models buys: the same files compressed with
# --adapt=none, match (recency cache + match model), ngram (token n-grams), line (n-grams + the line model),
# all (the default: all of them), next to xz -9e.
# Prints a markdown table of bits per byte and the compression speed with none and with all.
#
#   sh bench/ablation.sh [FILE...]     (default: the text files of ../shared/bench/canterbury and calgary)
# Environment: LLMZ (default ./llmz), BENCH_DIR (default ../shared/bench).
set -eu
LLMZ=${LLMZ:-./llmz}
DIR=${BENCH_DIR:-../shared/bench}
if [ $# -eq 0 ]; then
    [ -d "$DIR" ] || { echo "ablation.sh: $DIR not found (give files as arguments)"; exit 0; }
    set -- "$DIR"/canterbury/alice29.txt "$DIR"/canterbury/asyoulik.txt "$DIR"/canterbury/lcet10.txt \
        "$DIR"/canterbury/plrabn12.txt "$DIR"/canterbury/cp.html "$DIR"/canterbury/fields.c \
        "$DIR"/canterbury/grammar.lsp "$DIR"/canterbury/xargs.1 "$DIR"/calgary/book1 "$DIR"/calgary/book2 \
        "$DIR"/calgary/paper1 "$DIR"/calgary/paper2 "$DIR"/calgary/news "$DIR"/calgary/bib \
        "$DIR"/calgary/progc "$DIR"/calgary/progl "$DIR"/calgary/progp "$DIR"/calgary/trans
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/llmz-abl.XXXXXX")
trap 'rm -rf "$T"' EXIT
now() { date +%s.%N; }
echo "| file | size | xz -9e | none | match | ngram | line | all | all / none | all / xz | c KB/s none | c KB/s all |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
tot=0; tx=0; tn=0; tm=0; tg=0; tl=0; ta=0
for f in "$@"; do
    n=$(wc -c < "$f")
    x=$(xz -9e -c "$f" | wc -c)
    row="| $(basename "$f") | $n | $(echo "$x $n" | awk '{printf "%.3f", 8 * $1 / $2}') |"
    for a in none match ngram line all; do
        t0=$(now)
        "$LLMZ" -c --adapter=none --adapt=$a "$f" > "$T/o"
        t1=$(now)
        "$LLMZ" -dc "$T/o" | cmp -s - "$f" || { echo "ablation.sh: round trip failed: $f --adapt=$a" >&2; exit 1; }
        s=$(wc -c < "$T/o")
        eval "s_$a=$s; k_$a=$(echo "$n $t0 $t1" | awk '{printf "%.1f", $1 / 1000 / ($3 - $2)}')"
        row="$row $(echo "$s $n" | awk '{printf "%.3f", 8 * $1 / $2}') |"
    done
    row="$row $(echo "$s_all $s_none" | awk '{printf "%.3f", $1 / $2}') | $(echo "$s_all $x" | awk '{printf "%.3f", $1 / $2}') | $k_none | $k_all |"
    echo "$row"
    tot=$((tot + n)); tx=$((tx + x)); tn=$((tn + s_none)); tm=$((tm + s_match)); tg=$((tg + s_ngram)); tl=$((tl + s_line)); ta=$((ta + s_all))
done
echo "$tot $tx $tn $tm $tg $tl $ta" | awk '{printf "| **total** | %d | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | | |\n", $1, 8*$2/$1, 8*$3/$1, 8*$4/$1, 8*$5/$1, 8*$6/$1, 8*$7/$1, $7/$3, $7/$2}'
