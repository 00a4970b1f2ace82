#!/bin/sh
# tests/cli/progress.sh -- the progress line: on stderr only, forced by --progress, automatic on a terminal (a
# pseudo-terminal from script(1)), silenced by -q and --no-progress, erased at the end; never in the data.
. "$(dirname "$0")/lib.sh"

# the built-in model codes ~50-100 KB/s: 150 KB lasts well over the half second before the line appears; in the
# sanitizer build (quick, lib.sh) it codes a few KB/s, and 30 KB lasts seconds
if quick; then gen_text 30000 5 >big.txt; else gen_text 150000 5 >big.txt; fi
# (without the byte models: the LM codes every chunk, slowly enough for a progress line; the byte models alone may
# code these random words smaller, and decoding them is then over before a line shows)
"$LLMZ" --progress --adapt=match,ngram,line,field,sse,group -c big.txt >big.llmz 2>err1
check "--progress: compression succeeds" [ $? -eq 0 ]
check "--progress: a percentage" grep -q '%' err1
check "--progress: a speed" grep -q 'KB/s' err1
check "--progress: time left" grep -q 'left' err1
check "--progress: the line is erased at the end" sh -c "tail -c 4 err1 | od -An -c | grep -q 'K'"
"$LLMZ" -dc big.llmz 2>err2 | cmp -s - big.txt
check "the data is not touched by the progress line" [ $? -eq 0 ]
check "stderr not a terminal: no progress line" [ ! -s err2 ]
cat big.llmz | "$LLMZ" --progress -dc 2>err3 | cmp -s - big.txt
check "--progress from a pipe (size unknown)" [ $? -eq 0 ]
check "from a pipe: a speed but no percentage" sh -c "grep -q 'KB/s' err3 && ! grep -q '%' err3"
"$LLMZ" --progress -q -c big.txt 2>err4 >/dev/null
check "-q silences --progress" [ ! -s err4 ]
: >empty
"$LLMZ" --progress -c empty >empty.llmz 2>err5
check "--progress on an empty input" [ $? -eq 0 ]
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
    script -qec "'$LLMZ' -t big.llmz" /dev/null >tty1 2>&1
    check "on a terminal: the line appears by itself" grep -q 'left' tty1
    script -qec "'$LLMZ' --no-progress -t big.llmz" /dev/null >tty2 2>&1
    check "--no-progress on a terminal" [ "$(grep -c 'KB/s' tty2)" -eq 0 ]
else
    skip "pseudo-terminal (no script)"
fi
finish
