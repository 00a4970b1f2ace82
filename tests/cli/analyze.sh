#!/bin/sh
# tests/cli/analyze.sh -- llmz analyze: the totals are the coder's own (-v's), per token rows, the HTML page rendered
# in a real headless browser (Debian's chromium, when installed) whose own sum equals -v's, bad inputs.
# LLMZ_SCREENSHOT=PATH also keeps the page's screenshot there (docs/analyze.png is made so).
. "$(dirname "$0")/lib.sh"

gen_text 6000 9 >t.txt
xm -v -c --adapt=match,ngram,line,field,sse,group t.txt # analyze shows the LM's coding: no byte models
vbits=$(sed -n 's/.*integer frequencies \([0-9]*\) bits.*/\1/p' "$W/stderr")
vtok=$(sed -n 's/.* \([0-9]*\) tokens;.*/\1/p' "$W/stderr")
check "-v gives the reference totals" [ -n "$vbits" ] && [ -n "$vtok" ]
x analyze --model "$MODEL" t.txt
expect "analyze" 0
check "the summary's bits are -v's ($vbits)" grep -q "^t.txt: 6[0-9]* bytes, $vtok tokens, $vbits bits" "$W/stdout"
out_has "totals per part" "which part predicted"
out_has "histogram" "bits per token"
out_has "costliest lines" "costliest lines"
out_has "costliest words" "costliest words"
check "no colour when stdout is not a terminal" [ "$(grep -c "$(printf '\033')" "$W/stdout")" -eq 0 ]
x analyze --model "$MODEL" --color=always t.txt
check "--color=always shades the text" grep -q "$(printf '\033')\[38;5;16;48;5;" "$W/stdout"
xm --analyze --tsv t.txt
check "--tsv: one row per token" [ "$(($(wc -l <"$W/stdout") - 1))" -eq "$vtok" ]
check "--tsv: the bits add up to -v's" [ "$(awk -F'\t' 'NR > 1 { s += $3 } END { printf "%.0f", s }' "$W/stdout")" = "$vbits" ]
x analyze --model "$MODEL" --html page.html t.txt
expect "--html" 0
check "the page exists" [ -s page.html ]
check "the page is self-contained (no network)" [ "$(grep -c -E '(src|href)="?(https?:)?//' page.html)" -eq 0 ]
check "the page's total is -v's" grep -q "<span id=\"total\">$vbits</span>" page.html
x analyze --model "$MODEL" --html page.html t.txt
expect "--html onto an existing file needs -f" 1
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
--disable-component-update --disable-sync --user-data-dir=$W/chrome"
    # shellcheck disable=SC2086
    timeout 120 "$CHROME" $flags --dump-dom "file://$W/page.html" >dom.html 2>/dev/null
    check "chromium renders the page" grep -q 'id="text"' dom.html
    check "the page's own sum (its script, in the browser) is -v's" grep -q "id=\"total-js\">$vbits<" dom.html
    # shellcheck disable=SC2086
    timeout 120 "$CHROME" $flags --window-size=1100,900 --screenshot="$W/shot.png" "file://$W/page.html" >/dev/null 2>&1
    check "a screenshot" [ -s shot.png ]
    if [ -n "${LLMZ_SCREENSHOT:-}" ]; then # README's picture: the built-in model on the start of README.md
        head -c 2500 "$ROOT/README.md" >readme.txt
        "$LLMZ" analyze --html readme.html readme.txt >/dev/null 2>&1
        # shellcheck disable=SC2086
        timeout 120 "$CHROME" $flags --window-size=1100,1000 --screenshot="$LLMZ_SCREENSHOT" "file://$W/readme.html" \
            >/dev/null 2>&1
    fi
else
    skip "headless browser (chromium not installed)"
fi
# bad and odd inputs
gen_bin 20000 4 >r.bin
x analyze --model "$MODEL" r.bin
expect "analyze on random bytes" 0
out_has "random bytes are stored" "stored"
: >empty
x analyze --model "$MODEL" empty
expect "analyze on an empty input" 0
out_has "empty: 0 bytes" "0 bytes, 0 tokens"
x analyze --model "$MODEL" no-such-file
expect "analyze on a missing file" 1
x analyze --model "$MODEL" --html - t.txt
check "--html - writes the page to stdout" grep -q '<!DOCTYPE html>' "$W/stdout"
xm --tsv t.txt
expect "--tsv without analyze: usage error" 2
finish
