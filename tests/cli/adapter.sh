#!/bin/sh
# --adapter: an adapter file on the test model, decoding that finds (or misses) the archive's adapter, bad
# adapters, --adapter=none / auto, and the listing.
. "$(dirname "$0")/lib.sh"

G=$ROOT/tests/golden
LORA=$ROOT/tests/data/tiny-lora.gguf
cp "$G/english.txt" a.txt

xm --adapter "$LORA" -v a.txt
expect "compress with --adapter FILE" 0
err_has "-v names the adapter" "adapter tiny-lora"
check "archive written" test -s a.txt.llmz
xm -lv a.txt.llmz
expect "-lv adapter archive" 0
out_has "-lv shows flag bit 3" "flags 0x7f"
out_has "-lv names the adapter" "adapter 'tiny-lora'"
# format 4 holds an adapter file's whole fingerprint and name; messages show its first 8 bytes in hex
out_has "-lv shows the adapter's fingerprint prefix" "adapter 'tiny-lora' 1c51e8bb0c645c9b"

# decoding without the adapter: a clear error, no output file, the archive kept
rm -f a.txt
xm -d a.txt.llmz
expect "decode without the adapter fails" 1
err_has "error names the adapter" "needs adapter 'tiny-lora'"
err_has "error shows the adapter's fingerprint prefix" "(fingerprint 1c51e8bb0c645c9b...)"
check "no partial output" test ! -e a.txt
check "archive kept" test -s a.txt.llmz
xm --adapter "$LORA" -d a.txt.llmz
expect "decode with --adapter FILE" 0
check "adapter round trip" cmp -s a.txt "$G/english.txt"

# a plain archive decodes with --adapter given (the frame says no adapter)
xm --adapter "$LORA" -dc "$G/english.all.llmz"
expect "plain archive with --adapter" 0
check "plain archive restores" cmp -s "$W/stdout" "$G/english.txt"
# the golden adapter archive
xm --adapter "$LORA" -dc "$G/english.adapter.llmz"
expect "golden adapter archive" 0
check "golden adapter archive restores" cmp -s "$W/stdout" "$G/english.txt"
xm --adapter "$LORA" -dc "$G/english.adapter.v4.llmz"
expect "golden format-4 adapter archive" 0
check "golden format-4 adapter archive restores" cmp -s "$W/stdout" "$G/english.txt"
xm --adapter "$LORA" --numerics-version=1 --format-version=4 -c a.txt
check "the format-4 adapter archive is the golden one" cmp -s "$W/stdout" "$G/english.adapter.v4.llmz"

# --adapter=none and auto (the test model has no built-in adapters: auto keeps the base model)
xmo none.llmz --adapter=none --adapt=match,ngram --format-version=1 -c a.txt
expect "--adapter=none" 0
check "--adapter=none is the plain archive" cmp -s none.llmz "$G/english.all.llmz"
xmo auto.llmz --adapt=match,ngram --format-version 1 -c a.txt
expect "default (auto) on the test model" 0
check "auto with no adapter that fits: the plain archive" cmp -s auto.llmz "$G/english.all.llmz"

# bad adapters: unknown name, missing file, not an adapter, an adapter for another model
xm --adapter no-such-adapter -c a.txt
expect "unknown adapter name" 1
err_has "unknown adapter named" "no built-in adapter 'no-such-adapter'"
xm --adapter ./missing.gguf -c a.txt
expect "missing adapter file" 1
xm --adapter "$W/" -c a.txt
expect "a directory is not an adapter" 1
err_has "directory named as adapter" "cannot open adapter"
xm --adapter "$MODEL" -c a.txt
expect "a model is not an adapter" 1
err_has "model given as adapter" "cannot apply adapter"
x --model "$ROOT/tests/data/tiny-f16.gguf" --adapter "$LORA" -c a.txt
expect "adapter for another model" 1
err_has "adapter for another model named" "adapter was made for another model"
x --adapter= -c a.txt
expect "empty --adapter is a usage error" 2

# the built-in adapters of the default model (when this build carries them): by name, and auto on 1 MiB
ADS=$("$LLMZ" -V | sed -n 's/^adapters: //p' | tr -d ',')
if [ -z "$ADS" ] || [ "$ADS" = none ]; then
    skip "adapter: this build carries no adapters"
    finish
fi
first=${ADS%% *}
x --adapter "$first" -v -c a.txt
expect "--adapter $first (built in)" 0
err_has "-v names the built-in adapter" "adapter $first"
cp "$W/stdout" b.llmz
x -dc b.llmz
expect "built-in adapter archive decodes with no option" 0
check "built-in adapter round trip" cmp -s "$W/stdout" a.txt
x -lv b.llmz
out_has "-lv names the built-in adapter" "adapter '$first'"
i=0
: > big.txt
while [ $i -lt 360 ]; do cat "$G/english.txt" >> big.txt; i=$((i + 1)); done
x -v -c big.txt
expect "auto on a 1 MiB input" 0
err_has "-v says auto chose" "(auto)"
cp "$W/stdout" big.llmz
x -dc big.llmz
expect "auto archive decodes" 0
check "auto round trip" cmp -s "$W/stdout" big.txt
finish
