#!/bin/sh
# bench/levels.sh -- what each level (-1 .. -9) makes of four inputs: archive bytes, the change against -6, chunks,
# and wall-clock seconds both ways (README, "Levels").  Inputs: 150 KB of alice29.txt, of /var/log/dpkg.log and of
# dpkg's changelog (held-out files: measured, never trained on), and the first 1 MB of the bible (bench/large);
# missing ones are skipped.
#
#   sh bench/levels.sh             (LLMZ=PATH for another binary; SHARED=DIR for ../shared; LEVELS="1 2 6 7 8 9")
set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
LLMZ=${LLMZ:-$ROOT/llmz}
SHARED=${SHARED:-$ROOT/../shared}
LEVELS=${LEVELS:-1 2 6 7 8 9}
T=$(mktemp -d "${TMPDIR:-/tmp}/llmzlev.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM

LIST="alice29.txt-150K|head -c 150000 $SHARED/bench/canterbury/alice29.txt
dpkg.log-150K|head -c 150000 /var/log/dpkg.log
dpkg-changelog-150K|zcat /usr/share/doc/dpkg/changelog.gz | head -c 150000
bible.txt-1M|head -c 1000000 $SHARED/bench/large/bible.txt"

now() { date +%s.%N; }
printf '%-22s %5s %9s %8s %6s %7s %7s\n' file level bytes "vs -6" chunks "c s" "d s"
echo "$LIST" | while IFS='|' read -r name cmd; do
    sh -c "$cmd" > "$T/f" 2>/dev/null
    [ -s "$T/f" ] || continue
    "$LLMZ" -6 -c "$T/f" > "$T/six.llmz" || exit 1
    six=$(wc -c < "$T/six.llmz")
    for lv in $LEVELS; do
        t0=$(now)
        "$LLMZ" "-$lv" -c "$T/f" > "$T/f.llmz" || exit 1
        t1=$(now)
        "$LLMZ" -dc "$T/f.llmz" > "$T/g" || exit 1
        t2=$(now)
        cmp -s "$T/f" "$T/g" || { echo "$name -$lv: round trip FAILED"; exit 1; }
        n=$(wc -c < "$T/f.llmz")
        ch=$("$LLMZ" -l "$T/f.llmz" | awk 'NR == 2 { print $2 }')
        printf '%-22s %5s %9d %+7.2f%% %6s %7.1f %7.1f\n' "$name" "-$lv" "$n" \
            "$(awk -v a="$n" -v b="$six" 'BEGIN { print (a - b) * 100 / b }')" "$ch" \
            "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print b - a }')"
    done
done
