#!/bin/sh
# File handling: permissions and mtime carried over, symlinks and non-regular inputs, never writing
# through a symlinked output, input == output refused, temporary files removed on errors and signals.
. "$(dirname "$0")/lib.sh"

if [ ! -f "$MODEL" ]; then
    bad "test model $MODEL missing"
    finish
fi
gen_text 2000 21 >f
cp f f.orig

# permissions and modification time carried over both ways
chmod 640 f
touch -m -d '2001-02-03 04:05:06' f 2>/dev/null || touch -m -t 200102030405.06 f
xm f
expect "compress" 0
check "compress keeps permissions" [ "$(stat -c %a f.llmz)" = 640 ]
check "compress keeps mtime" [ "$(stat -c %Y f.llmz)" = "$(stat -c %Y f)" ]
rm f
chmod 604 f.llmz
xm -d f.llmz
expect "decompress" 0
check "decompress keeps permissions" [ "$(stat -c %a f)" = 604 ]
check "decompress keeps mtime" [ "$(stat -c %Y f)" = "$(stat -c %Y f.llmz)" ]
check "decompress round trip" same f f.orig
chmod 755 f
xm -f -o g.llmz f
check "-o keeps permissions" [ "$(stat -c %a g.llmz)" = 755 ]
chmod 644 f
# from stdin: a new file's usual mode (0666 & ~umask)
(umask 022 && "$LLMZ" --model "$MODEL" -o s.llmz <f 2>stderr)
check "stdin -o: mode 644 under umask 022" [ "$(stat -c %a s.llmz)" = 644 ]

# symlink input: refused without -c/-f, like gzip
ln -s f.orig link
xm link
expect "symlink input refused" 1
err_has "symlink input message" "not a regular file"
check "symlink input: no output" absent link.llmz
xmo link.out -c link
expect "symlink input with -c" 0
xm -f link
expect "symlink input with -f" 0
check "symlink input with -f: output" [ -f link.llmz ]
check "symlink input with -f: link kept" [ -L link ]

# non-regular input (a FIFO): refused without -c/-f
if mkfifo fifo 2>/dev/null; then
    xm fifo
    expect "FIFO input refused" 1
    check "FIFO input: no output" absent fifo.llmz
    cat f.orig >fifo &
    cpid=$!
    xmo fifo.out -c fifo
    expect "FIFO input with -c" 0
    kill "$cpid" 2>/dev/null
    wait "$cpid" 2>/dev/null
    xmo fifo.rt -dc fifo.out
    check "FIFO input with -c round trip" same fifo.rt f.orig
fi

# an output name that is a symlink is replaced, never written through
cp f.orig h
printf 'precious' >precious
ln -s precious h.llmz
xm h
expect "symlink output without -f" 1
check "symlink target untouched (no -f)" [ "$(cat precious)" = precious ]
xm -f h
expect "symlink output with -f" 0
check "symlink output with -f: written through, the link kept" [ -L h.llmz ]
xm -dc precious
check "symlink output with -f: the target holds the archive" same "$W/stdout" h
xmo h.rt -dc h.llmz
check "replaced symlink holds the archive" same h.rt f.orig
# dangling symlink as output counts as existing
ln -s nowhere i.llmz
cp f.orig i
xm i
expect "dangling symlink output without -f" 1
check "dangling target not created" absent nowhere

# input and output the same file
cp f.orig j
xm -f -o j j
expect "-o INPUT refused" 1
check "-o INPUT: input intact" same j f.orig
xm j
ln j.llmz k.llmz 2>/dev/null && {
    xm -d -f -o j.llmz k.llmz
    expect "hard link of input as output refused" 1
}
"$LLMZ" --model "$MODEL" -dc j.llmz >>j.llmz 2>stderr
rc=$?
expect "-c appending to the input refused" 1

# existing output that is not a regular file is never replaced, even with -f
mkdir d.llmz
cp f.orig d
xm -f d
expect "directory in the way" 1
check "directory in the way kept" [ -d d.llmz ]

# unwritable directory: clean error
if [ "$(id -u)" -ne 0 ]; then
    mkdir ro
    cp f.orig ro/x
    chmod 555 ro
    xm ro/x
    expect "read-only directory" 1
    check "read-only directory: no output" absent ro/x.llmz
    chmod 755 ro
fi
check "no temporary files anywhere" no_temps

# signals: the temporary file is removed and the exit status is 128+sig.
# llmz waits on a FIFO that a background sleep keeps open, so the temporary file exists.
# A signal ignored when the test starts (e.g. HUP under nohup) stays ignored in llmz, as in gzip: skip it.
sig_ignored() { # signal number; reads the SigIgn mask of this shell (Linux)
    [ -r /proc/$$/status ] || return 1
    awk -v n="$1" '/^SigIgn:/ { h = substr($2, length($2) - 3); v = 0
        for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
        exit (int(v / 2 ^ (n - 1)) % 2) ? 0 : 1 }' /proc/$$/status
}
if mkfifo sfifo 2>/dev/null; then
    for sig in TERM HUP; do
        case $sig in TERM) num=15 ;; HUP) num=1 ;; esac
        if sig_ignored $num; then
            echo "SKIP SIG$sig: ignored by the environment (llmz keeps it ignored, like gzip)" >&2
            continue
        fi
        sleep 30 >sfifo &
        spid=$!
        "$LLMZ" --model "$MODEL" -o sig.llmz <sfifo 2>/dev/null &
        lpid=$!
        i=0
        while [ $i -lt 100 ] && no_temps; do
            sleep 0.05
            i=$((i + 1))
        done
        check "SIG$sig: temporary file while waiting" [ "$(no_temps; echo $?)" -eq 1 ]
        kill -s "$sig" "$lpid"
        wait "$lpid"
        src=$?
        kill "$spid" 2>/dev/null
        wait "$spid" 2>/dev/null
        case $sig in TERM) want=143 ;; HUP) want=129 ;; esac
        check "SIG$sig: exit $want (got $src)" [ "$src" -eq "$want" ]
        check "SIG$sig: temporary file removed" no_temps
        check "SIG$sig: no output" absent sig.llmz
    done
fi

finish
