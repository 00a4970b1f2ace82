#!/bin/sh
# bench/scale-out.sh -- throughput of the scale-out recipes (docs/scale-out.md) against llmz itself, on this machine:
# llmz -T1 and -T2, GNU parallel -j1 and -j2 (--pipepart blocks), Dask with 1 and 2 worker processes
# (tools/dask_compress.py --block).  Every archive is checked: decoded, or the same bytes as one decoded.
# Needs `make llmz shared` (and GNU parallel, python3-distributed).
#   sh bench/scale-out.sh [BYTES] [BLOCK]  (default 2 MiB of Debian changelogs from /usr/share/doc, 256K blocks;
#                                           docs/scale-out.md: 1048576 128K)
# Prints one row per run: wall seconds, CPU seconds (user + sys, every process), KB/s by wall clock and per CPU
# second.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LLMZ=${LLMZ:-$ROOT/build/llmz}
PY=${PYTHON:-/usr/bin/python3}
SIZE=${1:-2097152}
BLOCK=${2:-256K}
W=$(mktemp -d "${TMPDIR:-/tmp}/llmz-scale.XXXXXX") || exit 1
trap 'rm -rf "$W"' EXIT
cd "$W" || exit 1
# held-out text of the machine (never trained on): Debian changelogs, in a fixed order
for f in $(ls /usr/share/doc/*/changelog.Debian.gz | LC_ALL=C sort); do zcat "$f"; done 2>/dev/null |
    head -c "$SIZE" >in.txt
n=$(wc -c <in.txt)
echo "input: $n bytes of /usr/share/doc/*/changelog.Debian.gz; block $BLOCK; $(nproc) cores;" \
    "load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %10s %8s %8s %10s %12s\n' run archive wall_s cpu_s KB/s KB/cpu_s
run() { # run NAME ARCHIVE REF COMMAND...: time COMMAND (which writes ARCHIVE), check ARCHIVE (decoded, or the
    # same bytes as the archive REF decoded before), print the row
    name=$1 out=$2 ref=$3
    shift 3
    /usr/bin/time -f '%e %U %S' -o t "$@" >/dev/null 2>err || { echo "$name: failed"; cat err; return; }
    if [ -n "$ref" ]; then
        cmp -s "$out" "$ref" || echo "$name: not the archive $ref"
    else
        "$LLMZ" -dc "$out" | cmp -s - in.txt || echo "$name: the archive does not restore the input"
    fi
    set -- $(cat t)
    awk -v name="$name" -v size="$(wc -c <"$out")" -v n="$n" -v w="$1" -v u="$2" -v s="$3" \
        'BEGIN { printf "%-22s %10d %8.1f %8.1f %10.1f %12.1f\n", name, size, w, u + s, n / 1000 / w,
                 n / 1000 / (u + s) }'
}
run "llmz -T1" a1 "" sh -c "'$LLMZ' -c -T1 in.txt >a1"
run "llmz -T2" a2 a1 sh -c "'$LLMZ' -c -T2 in.txt >a2"
run "parallel -j1" p1 "" sh -c "parallel --pipepart -a in.txt -k --block $BLOCK --recend '' -j1 '$LLMZ' -c -T1 >p1"
run "parallel -j2" p2 p1 sh -c "parallel --pipepart -a in.txt -k --block $BLOCK --recend '' -j2 '$LLMZ' -c -T1 >p2"
if "$PY" -c 'import distributed' 2>/dev/null; then
    for k in 1 2; do
        cp in.txt d$k.txt
        run "dask $k worker(s)" d$k.txt.llmz p1 \
            "$PY" "$ROOT/tools/dask_compress.py" --workers $k --block "$BLOCK" d$k.txt
    done
else
    echo "dask: python3-distributed is not installed"
fi
