#!/bin/sh
# tests/cli/corners.sh -- the CLI corners a gzip/zstd user tries (issue 27), one block per case, numbered as there.
# Each block failed before its fix (checked against the binary of 2a7c507).
. "$(dirname "$0")/lib.sh"

# ---- 1. -f -o LINK writes through the link; it never replaces the link --------------------------------------
# run_links DIR: every link case inside DIR (run as root, and again as an unprivileged user)
run_links() {
    (
        cd "$1" || exit 1
        gen_text 3000 27 >a.txt
        "$LLMZ" --model "$MODEL" -c a.txt >a.ref 2>/dev/null || exit 1
        n=0
        ln -s /proc/self/fd/1 so
        "$LLMZ" --model "$MODEL" -f -o so a.txt 2>err | cmp -s - a.ref || { echo "link to fd 1: pipe lacks the archive"; n=1; }
        [ -L so ] || { echo "link to fd 1 replaced"; n=1; }
        "$LLMZ" --model "$MODEL" -d -f -o so a.ref 2>err | cmp -s - a.txt || { echo "-d through link: no data"; n=1; }
        [ -L so ] || { echo "-d: link to fd 1 replaced"; n=1; }
        ln -s /dev/null nl
        "$LLMZ" --model "$MODEL" -f -o nl a.txt 2>err || { echo "link to /dev/null: exit $?"; n=1; }
        [ -L nl ] && [ -c /dev/null ] || { echo "link to /dev/null replaced"; n=1; }
        echo old >target
        ln -s target lk
        "$LLMZ" --model "$MODEL" -f -o lk a.txt 2>err || { echo "link to a file: exit $?"; n=1; }
        [ -L lk ] || { echo "link to a file replaced"; n=1; }
        cmp -s target a.ref || { echo "the link's target is not the archive"; n=1; }
        "$LLMZ" --model "$MODEL" -d -f -o lk a.ref 2>err && cmp -s target a.txt || { echo "-d through a link"; n=1; }
        [ -L lk ] || { echo "-d: link to a file replaced"; n=1; }
        # the system's /dev/stdout itself only when not root: a regression must not break the machine's /dev
        if [ "$(id -u)" != 0 ] && [ -L /dev/stdout ]; then
            "$LLMZ" --model "$MODEL" -f -o /dev/stdout a.txt 2>err | cmp -s - a.ref || { echo "/dev/stdout: no data"; n=1; }
            [ -L /dev/stdout ] || { echo "/dev/stdout is no longer a link"; n=1; }
        fi
        ln -s nowhere dangling
        "$LLMZ" --model "$MODEL" -f -o dangling a.txt 2>err && { echo "dangling link accepted"; n=1; }
        [ -L dangling ] && [ ! -e nowhere ] || { echo "dangling link replaced or written through"; n=1; }
        grep -q "dangling symbolic link" err || { echo "dangling: message"; n=1; }
        [ -z "$(find . -name '*.partial-*')" ] || { echo "temporary files left"; n=1; }
        exit $n
    )
}
# sh corners.sh --links DIR: only the link cases, in DIR (how the unprivileged run below calls it)
if [ "${1:-}" = "--links" ]; then
    run_links "$2"
    exit $?
fi

gen_text 3000 27 >a.txt
xmo a.llmz -c a.txt
check "setup: archive" [ "$rc" -eq 0 ]
if [ -L /dev/stdout ] || [ -e /proc/self/fd/1 ]; then
    mkdir links
    if out=$(run_links "$W/links" 2>&1); then ok; else bad "1: links as $(id -un 2>/dev/null || id -u)" "$out"; fi
    if [ "$(id -u)" = 0 ]; then
        # again as an unprivileged user, in a directory that user may write
        U=$(mktemp -d "${TMPDIR:-/tmp}/llmz-nobody.XXXXXX")
        chmod 755 "$U"
        mkdir "$U/links"
        chmod 777 "$U/links"
        mkdir -p "$U/tests/cli"
        cp "$LLMZ" "$U/llmz" && cp "$MODEL" "$U/model.gguf" && cp "$ROOT/tests/cli/lib.sh" "$ROOT/tests/cli/corners.sh" "$U/tests/cli/"
        chmod -R a+rX "$U"
        if command -v setpriv >/dev/null 2>&1 && setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
            if out=$(LLMZ="$U/llmz" LLMZ_TEST_MODEL="$U/model.gguf" TMPDIR="$U/links" setpriv --reuid=65534 --regid=65534 \
                --clear-groups sh "$U/tests/cli/corners.sh" --links "$U/links" 2>&1); then ok; else bad "1: links as nobody" "$out"; fi
        else
            skip "1: links as an unprivileged user (no setpriv)"
        fi
        rm -rf "$U"
    else
        skip "1: links as root (not root)"
    fi
else
    skip "1: links (no /dev/stdout)"
fi
# a character device or FIFO named directly needs -f, and is written in place
mkfifo ff 2>/dev/null && {
    xm -o ff a.txt
    expect "1: FIFO output without -f refused" 1
    err_has "1: FIFO message" "not a regular file; use -f"
    cat ff >ff.out &
    cpid=$!
    xm -f -o ff a.txt
    [ "$rc" -eq 0 ] || : >ff # a failed llmz never opened the FIFO: release the reader
    wait "$cpid"
    expect "1: FIFO output with -f" 0
    check "1: FIFO got the archive" same ff.out a.llmz
    check "1: FIFO still a FIFO" [ -p ff ]
}

# ---- 2. -o /dev/null without -f (the benchmark idiom) ----------------------------------------------------
xm -o /dev/null a.txt
expect "2: -o /dev/null" 0
xm -d -o /dev/null a.llmz
expect "2: -d -o /dev/null" 0
check "2: /dev/null still a device" [ -c /dev/null ]
xm --rm -o /dev/null a.txt
check "2: --rm keeps an input whose output is /dev/null" [ -f a.txt ]

# ---- 3. names of 243-250 characters ----------------------------------------------------------------------
for len in 243 250; do
    name=$(awk -v n="$len" 'BEGIN { while (length(s) < n) s = s "n"; print s }')
    cp a.txt "$name"
    xm "$name"
    expect "3: compress a $len-character name" 0
    mv "$name" "$name.orig"
    xm -d "$name.llmz"
    expect "3: decompress to a $len-character name" 0
    check "3: $len: round trip" same "$name" "$name.orig"
    rm -f "$name" "$name.orig" "$name.llmz"
done
check "3: no temporary files" no_temps

# ---- 4. thread counts past the library's limit are taken as the limit ------------------------------------
for t in 257 300 4096 4097 99999999999999999999; do
    xmo t.llmz -T "$t" -c a.txt
    expect "4: -T $t" 0
    check "4: -T $t: same archive" same t.llmz a.llmz
done
xm -T -1 -c a.txt
expect "4: -T -1 is a usage error" 2

# ---- 5. a model in LLMZ_MODEL / --model does not hide the built-in ones ----------------------------------
if "$LLMZ" -c a.txt >def.llmz 2>/dev/null; then
    LLMZ_MODEL=$MODEL "$LLMZ" -t def.llmz 2>"$W/stderr"
    rc=$?
    expect "5: LLMZ_MODEL + archive of the built-in model" 0
    "$LLMZ" --model "$MODEL" -dc def.llmz 2>"$W/stderr" | cmp -s - a.txt
    check "5: --model + archive of the built-in model" [ $? -eq 0 ]
    LLMZ_MODEL=/nonexistent/model.gguf "$LLMZ" -V >"$W/stdout" 2>"$W/stderr"
    rc=$?
    expect "5: bad LLMZ_MODEL: -V still works" 0
    out_has "5: -V says the selected model is unusable" "selected model: none"
    LLMZ_MODEL=/nonexistent/model.gguf "$LLMZ" -t def.llmz 2>"$W/stderr"
    rc=$?
    expect "5: bad LLMZ_MODEL: built-in archive still tests" 0
else
    skip "5: this build has no built-in model"
fi
x -t a.llmz
expect "5: archive of another model" 1
err_has "5: message names LLMZ_MODEL" "LLMZ_MODEL"
err_has "5: message names the model" "llmz-tiny"

# ---- 6. -dcf passes non-archives through (zcat -f) -------------------------------------------------------
xmo out6 -dcf a.txt
expect "6: -dcf plain file" 0
check "6: -dcf copies it" same out6 a.txt
"$LLMZ" --model "$MODEL" -dcf <a.txt >out6 2>"$W/stderr"
check "6: -dcf from stdin" same out6 a.txt
: >empty
xmo out6 -dcf empty
expect "6: -dcf empty file" 0
xmo out6 -dcf a.llmz
check "6: -dcf still decodes archives" same out6 a.txt
xm -dc a.txt
expect "6: -dc without -f still refuses" 1

# ---- 7. zero padding after an archive --------------------------------------------------------------------
cp a.llmz pad.llmz
head -c 512 /dev/zero >>pad.llmz
xm -t pad.llmz
expect "7: -t zero-padded" 0
xmo out7 -dc pad.llmz
check "7: -d zero-padded" same out7 a.txt
xm -l pad.llmz
expect "7: -l zero-padded" 0
cat a.llmz pad.llmz a.llmz >pad2.llmz
xmo out7 -dc pad2.llmz
cat a.txt a.txt a.txt >a3.txt
check "7: padding between frames" same out7 a3.txt
printf 'x' >>pad.llmz
xm -t pad.llmz
expect "7: garbage after padding still refused" 1
err_has "7: garbage message" "trailing garbage"

# ---- 8. closed stdout -----------------------------------------------------------------------------------
"$LLMZ" --model "$MODEL" -c a.txt >&- 2>"$W/stderr"
rc=$?
expect "8: -c with stdout closed" 1
err_has "8: Bad file descriptor" "Bad file descriptor"
check "8: not 'same file'" [ "$(grep -c 'same file' "$W/stderr")" -eq 0 ]
"$LLMZ" --model "$MODEL" -d <&- 2>"$W/stderr" >/dev/null
rc=$?
expect "8: stdin closed" 1
err_has "8: stdin: Bad file descriptor" "Bad file descriptor"

# ---- 9. a directory as output: no "use -f" -----------------------------------------------------------------
mkdir outdir
xm -o outdir a.txt
expect "9: -o DIR" 1
err_has "9: -o DIR message" "is a directory"
check "9: no -f hint" [ "$(grep -c 'use -f' "$W/stderr")" -eq 0 ]
xm -f -o outdir a.txt
expect "9: -f -o DIR" 1
mkdir dd
cp a.llmz dd.llmz
xm -d dd.llmz
expect "9: decompress onto a directory" 1
err_has "9: decompress message" "is a directory"

# ---- 10. messages name the option once --------------------------------------------------------------------
xm --format-version=12 a.txt
expect "10: --format-version=12" 2
err_has "10: --format-version message" "invalid --format-version '12'"
x --adapt=bogus a.txt
err_has "10: --adapt message" "invalid --adapt 'bogus'"
x --model= a.txt
expect "10: --model=" 2
err_has "10: --model= message" "empty --model"
check "10: no ': :'" [ "$(grep -c ': :' "$W/stderr")" -eq 0 ]

# ---- 11. -v and -lv say what they mean --------------------------------------------------------------------
printf 'hello world\n' >h.txt
xm -v -c h.txt
err_has "11: 1 frame" " 1 frame,"
err_has "11: 1 chunk" " 1 chunk"
check "11: no 1 chunks" [ "$(grep -c " 1 chunks" "$W/stderr")" -eq 0 ]
xm -c h.txt
cp "$W/stdout" h.llmz
xm -tv h.llmz
check "11: -tv has no 'model - bits'" [ "$(grep -c 'model - bits' "$W/stderr")" -eq 0 ]
err_has "11: -tv coded bits" "coded"
xm -T2 -lv a.llmz
grep -o 'memory [0-9.]* [KMG]iB' "$W/stdout" | head -n 1 | sed 's/memory //' >lvmem
check "11: -lv names a memory figure" [ -s lvmem ]
check "11: -lv with a single chunk says '1 chunk'" [ "$(grep -c '1 chunks' "$W/stdout")" -eq 0 ]
xm -T2 --memlimit 1K -t a.llmz
grep -o 'needs [0-9.]* [KMG]iB' "$W/stderr" | sed 's/needs //' >mlmem
check "11: -lv's memory is what --memlimit checks ($(cat lvmem) / $(cat mlmem))" same lvmem mlmem

# ---- 12. levels, --fast/--best, -r, abbreviations -----------------------------------------------------------
# 100 KB: -1 codes 7 chunks, -6 two; quick (lib.sh, the sanitizer build): 40 KB, -1 three chunks, -6 two
if quick; then gen_text 40000 12 >big.txt; else gen_text 100000 12 >big.txt; fi
for l in 1 2 3 4 5 6 7 8 9; do
    xmo "l$l.llmz" "-$l" -c big.txt
    expect "12: -$l" 0
done
xmo l6d.llmz -c big.txt
check "12: -6 is the default" same l6.llmz l6d.llmz
xmo lf.llmz --fast -c big.txt
check "12: --fast is -1" same lf.llmz l1.llmz
xmo lb.llmz --best -c big.txt
check "12: --best is -9" same lb.llmz l9.llmz
chunks() { "$LLMZ" -l "$1" | awk 'NR == 2 { print $2 }'; }
# (the chunks the levels shape: without the byte models, which code this word salad best in one long chunk)
for l in 1 6; do xmo "n$l.llmz" "-$l" --adapt=match,ngram -c big.txt; done
check "12: -1 has more chunks than -6 ($(chunks n1.llmz) > $(chunks n6.llmz))" [ "$(chunks n1.llmz)" -gt "$(chunks n6.llmz)" ]
check "12: -9 codes one chunk" [ "$(chunks l9.llmz)" -eq 1 ]
xmo out12 -dc l9.llmz
check "12: -9 round trip" same out12 big.txt
xmo out12 -dc l1.llmz
check "12: -1 round trip" same out12 big.txt
# a log, which the byte models code best in one long chunk: every level may do so (a fixed chunk size per level
# made 150 KB of a dpkg log 61% larger at -1 than at -6, and 300 KB 40% larger at -7)
awk 'BEGIN { for (i = 0; i < 700; i++) printf "2026-12-07 07:%02d:%02d status installed lib%s%d:amd64 1.%d.%d-%d\n",
    i / 60 % 60, i % 60, (i % 3 ? "foo" : "bar"), i % 17, i % 5, i * 7 % 11, i % 3 }' >log12.txt
for l in 1 6 9; do xmo "g$l.llmz" "-$l" -c log12.txt; done
for l in 1 9; do
    check "12: a log at -$l ($(wc -c < "g$l.llmz") bytes) no larger than at -6 ($(wc -c < g6.llmz))" \
        [ "$(wc -c < "g$l.llmz")" -le "$(wc -c < g6.llmz)" ]
    xmo out12 -dc "g$l.llmz"
    check "12: a log at -$l round trip" same out12 log12.txt
done
xm -10 a.txt
expect "12: -10 is a usage error" 2
xm -0 a.txt
expect "12: -0 is a usage error" 2
xmo out12 --dec --std a.llmz
expect "12: --dec --std" 0
check "12: abbreviations work" same out12 a.txt
xm --ad=none a.txt
expect "12: ambiguous abbreviation" 2
err_has "12: ambiguous message" "ambiguous"
mkdir -p tree/sub
cp a.txt tree/one.txt
cp a.txt tree/sub/two.txt
cp a.llmz tree/sub/old.llmz
xm -r tree
expect "12: -r" 0
check "12: -r compressed the files" [ -f tree/one.txt.llmz ] && [ -f tree/sub/two.txt.llmz ]
check "12: -r skipped .llmz" absent tree/sub/old.llmz.llmz
rm tree/one.txt tree/sub/two.txt
xm -d -r tree
expect "12: -dr" 0
check "12: -dr restored" same tree/one.txt a.txt
check "12: -dr restored below" same tree/sub/two.txt a.txt
mkdir -p tree2/a tree2/b
cp a.txt tree2/a/one.txt
cp a.txt tree2/b/two.txt
: >tree2/a/one.txt.llmz # an output in the way: an error for that file only
xm -r tree2
expect "12: -r reports an error" 1
err_has "12: -r names the failing file" "tree2/a/one.txt.llmz already exists"
check "12: -r goes on after the error" [ -s tree2/b/two.txt.llmz ]

# ---- 13. small inputs: a small fixed overhead, the model still pinned --------------------------------------
# (the built-in model: an 8-byte fingerprint prefix and no name; gzip -9 makes 20-26 bytes, zstd 13-14)
printf '' | "$LLMZ" -c >e13.llmz
check "13: an empty input in 32 bytes or less" [ "$(wc -c <e13.llmz)" -le 32 ]
printf 'hello world' | "$LLMZ" -c >h13.llmz
check "13: 'hello world' in 48 bytes or less" [ "$(wc -c <h13.llmz)" -le 48 ]
x -dc h13.llmz
check "13: and back" [ "$(cat "$W/stdout")" = "hello world" ]
fp13=$("$LLMZ" -V | sed -n 's/^default model: .*(fingerprint \([0-9a-f]*\)).*/\1/p')
x -lv h13.llmz
check "13: the archive pins the model (its fingerprint prefix)" [ -n "$fp13" ] && grep -q -F "$fp13" "$W/stdout"

# ---- 14. --help makes no claim the format versions do not keep ---------------------------------------------
"$LLMZ" --help >"$W/stdout" 2>&1
check "14: --help: no 'larger archives' claim" [ "$(grep -c 'larger archives' "$W/stdout")" -eq 0 ]

# ---- 15. a killed run leaves a visible temporary --------------------------------------------------------
if mkfifo kfifo 2>/dev/null; then
    mkdir kdir
    sleep 30 >kfifo &
    spid=$!
    "$LLMZ" --model "$MODEL" -o kdir/k.llmz <kfifo 2>/dev/null &
    lpid=$!
    i=0
    while [ $i -lt 100 ] && no_temps kdir; do
        sleep 0.05
        i=$((i + 1))
    done
    kill -9 "$lpid"
    wait "$lpid" 2>/dev/null
    kill "$spid" 2>/dev/null
    wait "$spid" 2>/dev/null
    check "15: the temporary is visible to ls (no -a)" [ "$(ls kdir | grep -c '^k\.llmz\.partial-')" -eq 1 ]
fi

finish
