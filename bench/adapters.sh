#!/bin/sh
# bench/adapters.sh -- what each built-in adapter buys: every file compressed with --adapter none, with each
# adapter llmz -V lists, and with auto (the default), online models on.  Prints a markdown table of compressed
# bytes (the smallest per row in bold), the adapter auto chose, and the round trip is checked for each.
#
#   sh bench/adapters.sh [FILE...]     (default: text files of ../shared/bench and the held-out domain files)
# Environment: LLMZ (default ./llmz), BENCH_DIR (default ../shared/bench).
set -eu
LLMZ=${LLMZ:-./llmz}
DIR=${BENCH_DIR:-../shared/bench}
if [ $# -eq 0 ]; then
    [ -d "$DIR" ] || { echo "adapters.sh: $DIR not found (give files as arguments)"; exit 0; }
    set -- "$DIR"/canterbury/alice29.txt "$DIR"/canterbury/cp.html "$DIR"/canterbury/fields.c \
        "$DIR"/canterbury/grammar.lsp "$DIR"/canterbury/xargs.1 "$DIR"/calgary/paper1 "$DIR"/calgary/news \
        "$DIR"/calgary/bib "$DIR"/calgary/progc "$DIR"/calgary/progl "$DIR"/calgary/progp "$DIR"/calgary/trans
fi
ADS=$("$LLMZ" -V | sed -n 's/^adapters: //p' | tr -d ',')
[ "$ADS" = none ] && ADS=
T=$(mktemp -d "${TMPDIR:-/tmp}/llmz-ad.XXXXXX")
trap 'rm -rf "$T"' EXIT
hdr="| file | size | none |"
sep="|---|---:|---:|"
for a in $ADS; do hdr="$hdr $a |"; sep="$sep---:|"; done
echo "$hdr auto (chose) |"
echo "$sep---:|"
for f in "$@"; do
    n=$(wc -c < "$f")
    row="| $(basename "$f") | $n |"
    for a in none $ADS auto; do
        "$LLMZ" -c -v --adapter=$a "$f" > "$T/o" 2> "$T/e"
        "$LLMZ" -dc "$T/o" | cmp -s - "$f" || { echo "adapters.sh: round trip failed: $f --adapter=$a" >&2; exit 1; }
        s=$(wc -c < "$T/o")
        if [ $a = auto ]; then
            row="$row $s ($(sed -n 's/.*; adapter \([^ ]*\).*/\1/p' "$T/e")) |"
        else
            row="$row $s |"
        fi
    done
    echo "$row"
done
