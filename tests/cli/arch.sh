#!/bin/sh
# Architectures with --model: qwen2, llama with rope_freqs or attention biases, a K-quant mix (files mktiny
# writes) round-trip; a valid GGUF llmz cannot run is refused with "not supported: <what>", exit 1, no output.
. "$(dirname "$0")/lib.sh"

if [ ! -x "$MKTINY" ]; then
    bad "mktiny $MKTINY missing"
    finish
fi
cp "$ROOT/tests/golden/english.txt" a.txt
# mk NAME OPTIONS...: mktiny NAME.gguf OPTIONS, status in $rc; xo MODEL OUT ARGS...: llmz with MODEL, stdout to OUT
mk() {
    _n=$1
    shift
    "$MKTINY" "$_n.gguf" "$@" 2>"$W/stderr"
    rc=$?
}
xo() {
    _m=$1
    _o=$2
    shift 2
    "$LLMZ" --model "$_m" "$@" >"$_o" 2>"$W/stderr"
    rc=$?
}

for shape in "qwen2:--arch qwen2 --theta 1000000" "llama3:--rope-freqs --theta 500000 --dim 64 --heads 4 --kv-heads 2" \
    "bias:--bias --untied" "q4km:--type q4_k_m --ffn 256"; do
    name=${shape%%:*}
    # shellcheck disable=SC2086 # the options are words
    mk "$name" ${shape#*:}
    expect "mktiny $name" 0
    xo "$name.gguf" "$name.llmz" -c <a.txt
    expect "$name: compress" 0
    xo "$name.gguf" "$name.out" -d <"$name.llmz"
    expect "$name: decompress" 0
    check "$name: round trip" cmp -s a.txt "$name.out"
    xo "$name.gguf" "$name.ref.llmz" --kernels ref --threads 1 -c <a.txt
    check "$name: ref kernels, 1 thread: same bytes" cmp -s "$name.llmz" "$name.ref.llmz"
done

mk gemma --arch gemma
expect "mktiny --arch gemma" 0
x --model gemma.gguf -c a.txt
expect "gemma: refused" 1
err_has "gemma: the reason" "llmz: gemma.gguf: not supported: architecture 'gemma'"
check "gemma: no output" absent a.txt.llmz
check "gemma: no temporary files" no_temps
finish
