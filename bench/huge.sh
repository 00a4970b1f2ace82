#!/bin/sh
# Streams a large generated input through `llmz -c | llmz -d -c` and reports time and peak memory of each
# side; the round trip is checked by SHA-256.  Memory is bounded by the 8 MiB segment the CLI reads at a
# time, not by the input size.  HUGE_BYTES (default 4 GB) of /dev/urandom (stored raw: the fastest path).
set -eu
LLMZ=${LLMZ:-./llmz}
N=${HUGE_BYTES:-4000000000}
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT INT TERM
mkfifo "$t/a" "$t/b"
head -c "$N" /dev/urandom | tee "$t/a" | sha256sum > "$t/in.sum" &
/usr/bin/time -f "compress:   %e s, peak RSS %M KB" "$LLMZ" -c -T 2 < "$t/a" 2> "$t/c.time" | tee "$t/b" | wc -c > "$t/size" &
/usr/bin/time -f "decompress: %e s, peak RSS %M KB" "$LLMZ" -d -c -T 2 < "$t/b" 2> "$t/d.time" | sha256sum > "$t/out.sum"
wait
echo "input $N bytes, archive $(cat "$t/size") bytes"
cat "$t/c.time" "$t/d.time"
if cmp -s "$t/in.sum" "$t/out.sum"; then echo "round trip: identical (sha256 $(cut -c1-16 "$t/in.sum"))"; else echo "round trip: DIFFERENT"; exit 1; fi
