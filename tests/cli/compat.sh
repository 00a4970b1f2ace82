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
finish
