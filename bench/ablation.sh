#!/bin/sh
# bench/ablation.sh -- what each family of llmz's online models buys: the same files compressed with
# --adapt=none, match (recency cache + match model + format version 3's output bias), then adding one family
# at a time: token n-grams, the line model, the field model, the secondary estimation with wide n-gram tables,
# chunk groups (a frame's chunks share these models), and the byte models (all: the default, format version 11:
# methods 3 and 4, the byte models alone and mixed with the LM's tokens bit by bit, method 5 for x86 code), next
# to xz -9e; last, all of them as earlier format versions coded them (10: the byte models' version 6, without the
# expected byte and an ELF file's code and data apart; 9: the byte models' version 4, without the bits of records; 8: also method 4 with version 1 beside the LM; 7: also without copies of long repeats; 6: the
# byte models' version 3, without the x86
# instruction contexts; 5: version 2, without method 5; 4: version 1; 3: before the byte models; 2: also without the
# output bias and a grouped chunk's own match model and order-3 contexts; 1: also before the word model, the fourth
# secondary map and version 2's learning rates).
# Prints two markdown tables: bits per byte, and compression speed (KB/s) of every column with the decompression
# speed of all.
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
# each column adds one family to the one before: none, match, +ngram, +line, +field (and word), +sse, +group,
# all (+bytes); then all in format versions 10 to 1
G=match,ngram,line,field,sse
SETS="none match match,ngram match,ngram,line match,ngram,line,field $G $G,group all all@10 all@9 all@8 all@7 all@6 all@5 all@4 all@3 all@2 all@1"
NAMES="none | match, bias | +ngram | +line | +field, word | +sse, wide n-grams | +group | +bytes (all) | all, format 10 | all, format 9 | all, format 8 | all, format 7 | all, format 6 | all, format 5 | all, format 4 | all, format 3 | all, format 2 | all, format 1"
ALL=8 # the column of all
echo "| file | size | xz -9e | $NAMES | all / none | all / xz |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
tot=0; tx=0; sums=""
: > "$T/speed"
for f in "$@"; do
    n=$(wc -c < "$f")
    x=$(xz -9e -c "$f" | wc -c)
    row="| $(basename "$f") | $n | $(echo "$x $n" | awk '{printf "%.3f", 8 * $1 / $2}') |"
    sizes=""
    speed="| $(basename "$f") |"
    for a in $SETS; do
        fv=""
        case $a in *@*) fv="--format-version ${a#*@}" ;; esac
        t0=$(now)
        # shellcheck disable=SC2086
        "$LLMZ" -c --adapter=none --adapt=${a%@*} $fv "$f" > "$T/o"
        t1=$(now)
        "$LLMZ" -dc "$T/o" | cmp -s - "$f" || { echo "ablation.sh: round trip failed: $f --adapt=$a" >&2; exit 1; }
        t2=$(now)
        s=$(wc -c < "$T/o")
        sizes="$sizes $s"
        speed="$speed $(echo "$n $t0 $t1" | awk '{printf "%.1f", $1 / 1000 / ($3 - $2)}') |"
        [ "$a" = none ] && s_none=$s
        [ "$a" = all ] && { s_all=$s; d_all=$(echo "$n $t1 $t2" | awk '{printf "%.1f", $1 / 1000 / ($3 - $2)}'); }
        row="$row $(echo "$s $n" | awk '{printf "%.3f", 8 * $1 / $2}') |"
    done
    echo "$row $(echo "$s_all $s_none" | awk '{printf "%.3f", $1 / $2}') | $(echo "$s_all $x" | awk '{printf "%.3f", $1 / $2}') |"
    echo "$speed $d_all |" >> "$T/speed"
    tot=$((tot + n)); tx=$((tx + x))
    if [ -z "$sums" ]; then sums=$sizes; else
        sums=$(printf '%s\n%s\n' "$sums" "$sizes" |
            awk 'NR == 1 { n = split($0, a, " ") } NR == 2 { split($0, b, " "); o = ""; for (i = 1; i <= n; i++) o = o " " (a[i] + b[i]); print o }')
    fi
done
echo "$tot $tx $sums" | awk -v all=$ALL '{t = $1; printf "| **total** | %d | %.3f |", t, 8 * $2 / t; for (i = 3; i <= NF; i++) printf " %.3f |", 8 * $i / t; printf " %.3f | %.3f |\n", $(all + 2) / $3, $(all + 2) / $2}'
echo
echo "Compression speed (KB/s, 1000 bytes a second, process start included), and decompression of all:"
echo
echo "| file | $NAMES | d: all |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
cat "$T/speed"
