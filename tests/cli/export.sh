#!/bin/sh
# tests/cli/export.sh -- --export-model writes a built-in model as the exact GGUF file its fingerprint names.
. "$(dirname "$0")/lib.sh"

x -V
fp=$(sed -n 's/^default model: .*(fingerprint \([0-9a-f]*\)).*/\1/p' "$W/stdout")
if [ -z "$fp" ]; then
    skip "this build has no built-in model"
    finish
fi
x --export-model m.gguf
expect "--export-model" 0
check "the file exists" [ -s m.gguf ]
x --model m.gguf -V
check "--model on it: the default's fingerprint" grep -q "selected model: .*(fingerprint $fp)" "$W/stdout"
if command -v sha256sum >/dev/null 2>&1; then
    check "its SHA-256 is the fingerprint" [ "$(sha256sum m.gguf | cut -c1-${#fp})" = "$fp" ]
fi
x --export-model=default m2.gguf
check "=default is the default" same m.gguf m2.gguf
x --export-model m.gguf
expect "an existing output needs -f" 1
x -f --export-model m.gguf
expect "-f overwrites" 0
"$LLMZ" --export-model - 2>/dev/null | cmp -s - m.gguf
check "- writes to stdout" [ $? -eq 0 ]
x --export-model=no-such-model n.gguf
expect "an unknown name" 1
err_has "the message lists the built-in models" "models:"
check "nothing written for an unknown name" absent n.gguf
x --export-model a.gguf b.gguf
expect "two outputs: usage error" 2
# every earlier default the binary carries exports too, each with its own fingerprint
x -V
sed -n 's/^also decodes archives of: \(.*\) (fingerprint \([0-9a-f]*\))$/\1 \2/p' "$W/stdout" >retired
while read -r name rfp; do
    x --export-model="$name" r.gguf
    expect "--export-model=$name" 0
    x --model r.gguf -V
    check "$name: its fingerprint" grep -q "selected model: .*(fingerprint $rfp)" "$W/stdout"
    rm -f r.gguf
done <retired
finish
