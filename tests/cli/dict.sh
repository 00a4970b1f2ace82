#!/bin/sh
# tests/cli/dict.sh -- dictionaries for small messages (docs/dictionaries.md): --train-dict, --dict with -c, -d, -t
# and -l, and the errors: no dictionary, another dictionary, a damaged or missing one, one for another model.
. "$(dirname "$0")/lib.sh"

# synthetic messages (never real logs): log lines and JSON records
awk 'BEGIN { split("install upgrade configure remove", a, " "); split("libc6 zlib1g bash tar openssl", p, " ");
  for (i = 0; i < 600; i++) {
    if (i % 2) printf "2026-11-%02d 10:%02d:%02d %s %s:amd64 1.%d-%d\n", 1 + i % 28, i % 60, (i * 7) % 60, a[1 + i % 4], p[1 + (i * 3) % 5], i % 9, i % 5;
    else printf "{\"id\": %d, \"user\": \"u%d\", \"active\": %s, \"tags\": [\"a\", \"b\"]}\n", 1000 + i, i % 13, i % 3 ? "true" : "false";
  } }' >samples.txt
sed -n 1,500p samples.txt >train.txt
sed -n 501p samples.txt >msg1
sed -n 502p samples.txt >msg2

x --model "$MODEL" --train-dict --dict-size 2K -o d.dict train.txt
check "train: exit 0" [ "$rc" -eq 0 ]
size=$(wc -c <d.dict)
check "train: within the budget ($size)" [ "$size" -gt 1000 ] && [ "$size" -le $((2048 + 48)) ]
x --model "$MODEL" --train-dict --dict-size 2K -o d2.dict train.txt
check "train: deterministic" cmp -s d.dict d2.dict
x --model "$MODEL" --train-dict -o d.dict train.txt
check "train: an existing output needs -f" [ "$rc" -eq 1 ]
x --model "$MODEL" --train-dict train.txt
check "train: needs -o (usage)" [ "$rc" -eq 2 ]
x --model "$MODEL" --train-dict --dict-size 0 -o d3.dict train.txt
check "train: invalid --dict-size (usage)" [ "$rc" -eq 2 ]

for m in msg1 msg2; do
    x --model "$MODEL" --dict d.dict -c $m
    cp "$W/stdout" $m.llmz
    check "$m: compress with the dictionary" [ "$rc" -eq 0 ]
    x --model "$MODEL" -c $m
    plain=$(wc -c <"$W/stdout")
    withd=$(wc -c <$m.llmz)
    check "$m: smaller with the dictionary ($withd < $plain)" [ "$withd" -lt "$plain" ]
    x --dict d.dict --model "$MODEL" -dc $m.llmz
    check "$m: round trip" cmp -s "$W/stdout" $m
    x --dict d.dict --model "$MODEL" -t $m.llmz
    check "$m: -t" [ "$rc" -eq 0 ]
done
# the dictionary names the model: no --model needed to decode when the dictionary's model is at hand via --model
x --model "$MODEL" --dict=d.dict -l msg1.llmz
check "-l: exit 0" [ "$rc" -eq 0 ]
fp=$(od -An -tx1 -j8 -N4 msg1.llmz | tr -d ' \n')
check "-l: shows the dictionary's fingerprint $fp" grep -q "llmz-tiny dict $fp" "$W/stdout"
x -l msg1.llmz
check "-l without --dict: the fingerprint still" grep -q "? dict $fp" "$W/stdout"
# files: -o and the default name
mv msg1.llmz want.llmz
x --model "$MODEL" --dict d.dict -k msg1
check "file: msg1.llmz written, the bytes of -c" cmp -s msg1.llmz want.llmz
rm -f msg1.out
x --model "$MODEL" --dict d.dict -d -o msg1.out msg1.llmz
check "file: decoded" cmp -s msg1.out msg1
x --model "$MODEL" --dict d.dict -d --range=3:20 msg1.llmz
check "--range of a dictionary frame" [ "$rc" -eq 0 ] && [ "$(cat "$W/stdout")" = "$(tail -c +4 msg1 | head -c 20)" ]
x --model "$MODEL" -d --range=3:20 msg1.llmz
check "--range without the dictionary: exit 1, message" [ "$rc" -eq 1 ] && grep -q "archive needs dictionary" "$W/stderr"

# errors: a clear message, exit 1, no output file
x --model "$MODEL" -d -o out1 msg1.llmz
check "no dictionary: exit 1" [ "$rc" -eq 1 ]
check "no dictionary: message" grep -q "archive needs dictionary $fp; give it with --dict" "$W/stderr"
check "no dictionary: no output" [ ! -e out1 ]
printf 'other text\n' >other.txt
x --model "$MODEL" --train-dict -o other.dict other.txt
x --model "$MODEL" --dict other.dict -d -o out1 msg1.llmz
check "another dictionary: exit 1" [ "$rc" -eq 1 ]
check "another dictionary: message" grep -q "archive needs dictionary $fp, but other.dict is dictionary" "$W/stderr"
check "another dictionary: no output" [ ! -e out1 ]
cp d.dict bad.dict
printf 'X' | dd of=bad.dict bs=1 seek=100 conv=notrunc 2>/dev/null
x --model "$MODEL" --dict bad.dict -d -o out1 msg1.llmz
check "damaged dictionary: exit 1" [ "$rc" -eq 1 ]
check "damaged dictionary: message" grep -q "bad.dict: not a valid llmz dictionary" "$W/stderr"
check "damaged dictionary: no output" [ ! -e out1 ]
x --model "$MODEL" --dict bad.dict -c msg1
check "damaged dictionary, compressing: exit 1" [ "$rc" -eq 1 ]
head -c 60 d.dict >short.dict
x --model "$MODEL" --dict short.dict -dc msg1.llmz
check "truncated dictionary: exit 1" [ "$rc" -eq 1 ] && grep -q "not a valid llmz dictionary" "$W/stderr"
x --model "$MODEL" --dict missing.dict -dc msg1.llmz
check "missing dictionary file: exit 1" [ "$rc" -eq 1 ] && grep -q "missing.dict" "$W/stderr"
MICRO=$ROOT/tests/data/micro.gguf
if [ -f "$MICRO" ]; then
    x --model "$MICRO" --dict d.dict -c msg1
    check "dictionary for another model: exit 1" [ "$rc" -eq 1 ]
    check "dictionary for another model: message" grep -q "dictionary was made for the model with fingerprint" \
        "$W/stderr"
else
    skip "micro.gguf absent"
fi
x --model "$MODEL" --dict d.dict --format-version 3 -c msg1
check "format 3 with a dictionary: an error" [ "$rc" -eq 1 ]
finish
