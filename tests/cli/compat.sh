#!/bin/sh
# Archives made with an earlier default model (models/llmz-default-v1.gguf, kept in the binary) decode with
# no --model; a mixed stream switches models frame by frame; a chosen --model is never overridden.
. "$(dirname "$0")/lib.sh"

G=$ROOT/tests/golden
V1=$G/english.default-v1.llmz
if ! [ -f "$ROOT/models/llmz-default-v1.gguf" ] || ! "$LLMZ" -V 2>/dev/null | grep -q "default model: llmz-default-v"; then
    skip "compat: this build does not carry the default models"
    finish
fi

x -V
expect "-V" 0
out_has "-V names the retired model it still decodes" "also decodes archives of: llmz-default-v1"

# the archive written by the v1 default model (2026-11-27, llmz 0.1.0 with `llmz -c`, default settings)
x -dc "$V1"
expect "v1 archive decodes without --model" 0
check "v1 archive restores the original" cmp -s "$W/stdout" "$G/english.txt"
x -t "$V1"
expect "-t v1 archive" 0

# v1 frame followed by a frame of the current default model: one stream, two models
x -c "$G/two_frames.txt"
expect "compress with the current default" 0
cat "$V1" "$W/stdout" >mixed.llmz
cat "$G/english.txt" "$G/two_frames.txt" >mixed.orig
x -dc mixed.llmz
expect "mixed v1 + current stream decodes" 0
check "mixed stream restores both parts" cmp -s "$W/stdout" mixed.orig

# the archive pins its model by fingerprint: a built-in match decodes it even when --model names another
# (--model and LLMZ_MODEL choose the model for compressing; issue 27, case 5)
xm -dc "$V1"
expect "v1 archive with --model tiny decodes with the built-in v1" 0
check "v1 archive with --model tiny: the original" cmp -s "$W/stdout" "$G/english.txt"
x --model "$ROOT/models/llmz-default-v1.gguf" -dc "$V1"
expect "v1 archive with --model llmz-default-v1.gguf" 0
check "explicit v1 model restores the original" cmp -s "$W/stdout" "$G/english.txt"

# format 4: a built-in model's frames hold 8 bytes of its fingerprint and no name (24 bytes for an empty input);
# the binary names the model from its fingerprint, and it still wins over --model
x -V
dname=$(sed -n 's/^default model: \([^ ]*\) (fingerprint \([0-9a-f]*\)).*/\1/p' stdout)
dfp=$(sed -n 's/^default model: \([^ ]*\) (fingerprint \([0-9a-f]*\)).*/\2/p' stdout)
: >e
printf A >one
x -c e
expect "compress an empty input" 0
check "an empty input: a 24-byte frame" [ "$(fsize stdout)" -eq 24 ]
check "form byte 0: 8 fingerprint bytes, no name, the model's window" sh -c "od -An -j6 -N1 -tu1 stdout | grep -qx ' *0'"
mv stdout e.llmz
x -c one
check "one byte: a 35-byte frame" [ "$(fsize stdout)" -eq 35 ]
mv stdout one.llmz
x -l e.llmz
out_has "-l names the built-in model from the fingerprint" "$dname"
x -lv one.llmz
out_has "-lv: the name and the fingerprint's 8 bytes" "model '$dname' $dfp"
xm -dc one.llmz
expect "a built-in model's format-4 frame with --model tiny" 0
check "... decodes with the built-in model" cmp -s "$W/stdout" one
x -dc e.llmz
expect "the empty frame decodes" 0
check "... to nothing" [ "$(fsize stdout)" -eq 0 ]
finish
