#!/bin/sh
# bench/dict.sh -- dictionaries for small messages (docs/dictionaries.md, "Measurements"): real small messages of
# this machine, each compressed on its own, by llmz without and with dictionaries of 4, 8 and 16 KiB and by zstd -19
# without and with a `zstd --train` dictionary of 8 and 16 KiB.  Held-out data (the project's rule): measured here,
# never put into a dictionary that ships, a test or a training corpus; nothing of it is written outside a temporary
# directory.
#
#   sh bench/dict.sh [SET...]       SET: dpkg json changelog (default: all three)
#   N=1000 CLI_N=20 sh bench/dict.sh   messages measured per set; messages timed one CLI process each
#   (LLMZ=PATH, DICTBENCH=PATH: other binaries than ./llmz and build/tools/dictbench)
#
# Sets: dpkg -- lines of /var/log/dpkg.log, dictionaries trained on its first 3000 lines, measured on N of the
# others (every third); json -- the records of /usr/share/iso-codes/json/iso_3166-2.json, one compact object a line,
# shuffled (seed 23), trained on 3000, measured on N others; changelog -- the "  * ..." entries of the Debian
# changelogs under /usr/share/doc, shuffled (seed 23), trained on 3000, measured on N others.
# Bytes are whole frames (header included).  llmz's bytes and in-process latency come from tools/dictbench.c (one
# compression and one decompression context reused, every message decoded and compared; the first message, which
# primes the dictionary, timed apart); CLI latency is one `llmz -c -T1` (and `-d`) process per message, start-up and
# the dictionary's priming included.  Needs python3 (to split the JSON) and zstd; a set whose source is missing is
# skipped.
set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
BUILD=${BUILD:-$ROOT/build}
LLMZ=${LLMZ:-$ROOT/llmz}
N=${N:-1000}
CLI_N=${CLI_N:-20}
BENCH=${DICTBENCH:-$BUILD/tools/dictbench}
[ -n "${DICTBENCH:-}" ] || make -s -C "$ROOT" "$BENCH" >/dev/null || exit 2
T=$(mktemp -d "${TMPDIR:-/tmp}/llmzdict.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM HUP
SETS=${*:-dpkg json changelog}

# $1: set; writes $T/$1/train.txt (a sample a line) and $T/$1/test.txt (a message a line)
prep() {
    d=$T/$1
    mkdir -p "$d"
    case $1 in
    dpkg)
        [ -r /var/log/dpkg.log ] || return 1
        head -n 3000 /var/log/dpkg.log > "$d/train.txt"
        tail -n +3001 /var/log/dpkg.log | awk 'NR % 3 == 1' | head -n "$N" > "$d/test.txt" ;;
    json)
        [ -r /usr/share/iso-codes/json/iso_3166-2.json ] || return 1
        python3 - "$d" "$N" <<'EOF' || return 1
import json, random, sys
d, n = sys.argv[1], int(sys.argv[2])
recs = [json.dumps(r, ensure_ascii=False) + '\n' for r in
        json.load(open('/usr/share/iso-codes/json/iso_3166-2.json', encoding='utf-8'))['3166-2']]
random.seed(23)
random.shuffle(recs)
open(d + '/train.txt', 'w', encoding='utf-8').write(''.join(recs[:3000]))
open(d + '/test.txt', 'w', encoding='utf-8').write(''.join(recs[3000:3000 + n]))
EOF
        ;;
    changelog)
        for f in /usr/share/doc/*/changelog.Debian.gz; do zcat "$f" 2>/dev/null; done | grep -a '^  \* ' |
            awk 'length($0) < 400' > "$d/all.txt"
        [ "$(wc -l < "$d/all.txt")" -gt 3000 ] || return 1
        python3 - "$d" "$N" <<'EOF' || return 1
import random, sys
d, n = sys.argv[1], int(sys.argv[2])
lines = open(d + '/all.txt', 'rb').read().splitlines(True)
random.seed(23)
random.shuffle(lines)
open(d + '/train.txt', 'wb').write(b''.join(lines[:3000]))
open(d + '/test.txt', 'wb').write(b''.join(lines[3000:3000 + n]))
EOF
        ;;
    *) return 1 ;;
    esac
}

ms_since() { awk -v a="$1" -v b="$(date +%s%N)" -v n="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 / n }'; }

# zstd -19 per message, with dictionary $2 (or none): bytes per message
zstd_row() {
    d=$T/$1
    tot=0
    t0=$(date +%s%N)
    while IFS= read -r line; do
        if [ -n "$2" ]; then c=$(printf '%s\n' "$line" | zstd -q -19 -c -D "$2" | wc -c)
        else c=$(printf '%s\n' "$line" | zstd -q -19 -c | wc -c); fi
        tot=$((tot + c))
    done < "$d/test.txt"
    printf '%-10s %-16s %8s B/msg   CLI %s ms/msg\n' "$1" "zstd-19${3:+ +dict $3}" \
        "$(awk -v t=$tot -v n="$(wc -l < "$d/test.txt")" 'BEGIN { printf "%.1f", t / n }')" "$(ms_since "$t0" "$(wc -l < "$d/test.txt")")"
}

# llmz with dictionary $2 (or -): bytes and in-process latency (dictbench), then CLI latency on CLI_N messages
llmz_row() {
    d=$T/$1
    out=$("$BENCH" "$2" "$d/test.txt") || { echo "$1 llmz $3: dictbench failed"; return; }
    b=$(echo "$out" | sed -n 's/.*-> \([0-9.]*\) B\/msg.*/\1/p')
    c1=$(echo "$out" | sed -n 's/^compress *first \([0-9.]*\) ms, then \([0-9.]*\).*/\1 \2/p')
    d1=$(echo "$out" | sed -n 's/^decompress first \([0-9.]*\) ms, then \([0-9.]*\).*/\1 \2/p')
    cpu=$(echo "$out" | sed -n 's/.*(CPU: first \([0-9.]*\) ms, then \([0-9.]*\) ms\/msg)/\2 (first \1)/p' | tr '\n' ' ')
    opt=
    [ "$2" != - ] && opt="--dict=$2"
    head -n "$CLI_N" "$d/test.txt" > "$d/cli.txt"
    i=0
    while IFS= read -r line; do printf '%s\n' "$line" > "$d/m$i"; i=$((i + 1)); done < "$d/cli.txt"
    t0=$(date +%s%N)
    j=0
    while [ $j -lt $i ]; do $LLMZ -c -T1 $opt < "$d/m$j" > "$d/m$j.llmz"; j=$((j + 1)); done
    cc=$(ms_since "$t0" $i)
    t0=$(date +%s%N)
    j=0
    while [ $j -lt $i ]; do $LLMZ -dc -T1 $opt < "$d/m$j.llmz" | cmp -s - "$d/m$j" || echo "$1: CLI round trip failed"; j=$((j + 1)); done
    cd_=$(ms_since "$t0" $i)
    set -- "$1" "$3" "$b" $c1 $d1 "$cc" "$cd_"
    printf '%-10s %-16s %8s B/msg   in-process c %s ms (first %s), d %s ms (first %s)   CLI c %s, d %s ms/msg\n' \
        "$1" "$2" "$3" "$5" "$4" "$7" "$6" "$8" "$9"
    [ -n "$cpu" ] && printf '%-10s %-16s          in-process CPU ms/msg, c then d: %s\n' "$1" "$2" "$cpu"
}

echo "# $(date -u +%F) $(uname -m), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg); llmz $("$LLMZ" -V | head -1)"
for s in $SETS; do
    if ! prep "$s" 2>/dev/null; then echo "$s: skipped (source missing)"; continue; fi
    d=$T/$s
    echo "# $s: $(wc -l < "$d/test.txt") messages of $(awk '{ n += length($0) + 1 } END { printf "%.1f", n / NR }' "$d/test.txt") bytes on average; trained on $(wc -l < "$d/train.txt") samples"
    for k in 4 8 16; do nice "$LLMZ" -q -f --train-dict --dict-size=${k}K -o "$d/d$k.dict" "$d/train.txt" || exit 1; done
    mkdir -p "$d/samples"
    split -l 1 -a 5 "$d/train.txt" "$d/samples/s"
    for k in 8 16; do zstd -q -f --train "$d"/samples/s* --maxdict=$((k * 1024)) -o "$d/z$k.dict" >/dev/null 2>&1; done
    zstd_row "$s" "" ""
    for k in 8 16; do [ -s "$d/z$k.dict" ] && zstd_row "$s" "$d/z$k.dict" "${k}K"; done
    llmz_row "$s" - "llmz"
    for k in 4 8 16; do llmz_row "$s" "$d/d$k.dict" "llmz +dict ${k}K"; done
    echo "# load after $s: $(cut -d' ' -f1-3 /proc/loadavg)"
done
