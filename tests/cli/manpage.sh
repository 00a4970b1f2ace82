#!/bin/sh
# tests/cli/manpage.sh -- docs/llmz.1 and --help name the same options, and the page renders without warnings.
. "$(dirname "$0")/lib.sh"

PAGE=$ROOT/docs/llmz.1
check "the man page exists" [ -f "$PAGE" ]
"$LLMZ" --help >help.txt 2>&1
# long options: --name, as --help prints them and as the page spells them (\- for -)
grep -o -- '--[a-z][a-z-]*' help.txt | sort -u >help.opts
sed 's/\\-/-/g; s/\\f[BIRP]//g' "$PAGE" | grep -o -- '--[a-z][a-z-]*' | sort -u >page.opts
check "--help names long options" [ "$(wc -l <help.opts)" -gt 10 ]
for o in $(cat help.opts); do
    check "man page has $o" grep -q -x -F -- "$o" page.opts
done
for o in $(cat page.opts); do
    check "--help has $o (named in the man page)" grep -q -x -F -- "$o" help.opts
done
# short options
for o in -z -d -t -l -c -o -f -k -r -T -v -q -V -h -1 -9; do
    check "--help has $o" grep -q -- " $o[ ,]" help.txt
    check "man page has $o" grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/')" "$PAGE"
done
if command -v groff >/dev/null 2>&1; then
    groff -man -ww -z "$PAGE" 2>warn.txt
    check "groff renders the page without warnings" [ ! -s warn.txt ]
    [ -s warn.txt ] && head -n 5 warn.txt
else
    skip "groff warnings (no groff)"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$PAGE" >page.txt 2>warn.txt
    check "man -l renders the page" [ -s page.txt ]
    check "man -l without warnings" [ ! -s warn.txt ]
else
    skip "man -l (no man)"
fi
finish
