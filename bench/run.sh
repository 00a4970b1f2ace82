#!/bin/sh
# bench/run.sh -- compression ratio and speed of llmz against gzip, bzip2, xz, zstd, brotli and zpaq.
#
#   make bench                 (or: sh bench/run.sh)
#
# Environment:
#   BENCH_QUICK=1        only canterbury/alice29.txt, calgary/paper1 and the generated files
#   BENCH_FULL=1         also silesia/dickens (10 MB; llmz takes a long time on it)
#   BENCH_FILES="..."    replace the list: paths absolute or relative to BENCH_DIR; the names
#                        gen/random.bin and gen/log.txt select the generated files
#   BENCH_DIR=DIR        corpus directory (default ../shared/bench next to the repository)
#   BENCH_COMPRESSORS    default "llmz gzip bzip2 xz zstd brotli zpaq"
#   BENCH_GEN_KB=N       size of each generated file in KB (default 200)
#   BENCH_OUT=DIR        where bench.txt, bench.csv and bench.svg go (default bench/results)
#   LLMZ=PATH            llmz binary (default ./llmz);  BENCH_LLMZ_FLAGS: extra llmz options for
#                        both directions, e.g. "--model=models/x.gguf -T1"
#
# Every compressed file is decompressed again and compared with the original (cmp); a mismatch is
# shown as FAIL and makes the script exit 1 at the end.  A missing compressor gives "-" and is skipped.
# Speeds are wall-clock (KB = 1000 bytes, process start included); peak MB is the larger maximum
# resident set size (MiB) of the compressing and decompressing process, from /usr/bin/time.
# Sizes are what each tool writes: zpaq's include its archive's journal and file name.
set -u
LC_ALL=C
export LC_ALL

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2

BENCH_DIR=${BENCH_DIR:-$ROOT/../shared/bench}
OUTDIR=${BENCH_OUT:-$ROOT/bench/results}
COMPRESSORS=${BENCH_COMPRESSORS:-llmz gzip bzip2 xz zstd brotli zpaq}
GEN_KB=${BENCH_GEN_KB:-200}
LLMZ=${LLMZ:-$ROOT/llmz}
LLMZ_FLAGS=${BENCH_LLMZ_FLAGS:-}
QUICK=${BENCH_QUICK:-0}
FULL=${BENCH_FULL:-0}

case $LLMZ in /*) ;; *) LLMZ=$PWD/$LLMZ ;; esac
case $GEN_KB in '' | *[!0-9]*) echo "run.sh: BENCH_GEN_KB must be a number" >&2; exit 2 ;; esac

T=$(mktemp -d "${TMPDIR:-/tmp}/llmzbench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'rm -rf "$T"; exit 130' INT
trap 'rm -rf "$T"; exit 143' TERM
mkdir -p "$T/gen" "$T/zx" || exit 2
if ! mkdir -p "$OUTDIR" 2>/dev/null; then
    OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/llmzbench-results.XXXXXX") || exit 2
    echo "run.sh: cannot create ${BENCH_OUT:-$ROOT/bench/results}; results go to $OUTDIR" >&2
fi
# run a private copy of llmz, so that a rebuild during the (long) run cannot mix two binaries
if [ -x "$LLMZ" ] && cp "$LLMZ" "$T/llmz.bin" 2>/dev/null; then
    LLMZ_SHOWN=$LLMZ
    LLMZ=$T/llmz.bin
else
    LLMZ_SHOWN=$LLMZ
fi
TXT=$OUTDIR/bench.txt
CSV=$OUTDIR/bench.csv
SVG=$OUTDIR/bench.svg
RAW=$T/raw.tsv
LOG=$T/stderr.log
: > "$TXT"
: > "$RAW"

# say LINE: to stdout and to bench.txt
say() {
    printf '%s\n' "$*"
    printf '%s\n' "$*" >> "$TXT"
}

have() { command -v "$1" > /dev/null 2>&1; }

# ---- clock and memory measurement -------------------------------------------------------------
NS_CLOCK=1
case $(date +%N 2>/dev/null) in '' | *[!0-9]*) NS_CLOCK=0 ;; esac
TIMEBIN=
if [ -x /usr/bin/time ] && /usr/bin/time -f '%M' -o "$T/probe" true 2>/dev/null; then TIMEBIN=/usr/bin/time; fi

now() {
    if [ "$NS_CLOCK" = 1 ]; then date +%s.%N; else date +%s; fi
}

# measure DIR OUT CMD...: run CMD in DIR with stdout to OUT; sets SECS, RSS_KB ("-" if unknown), RC.
measure() {
    _dir=$1
    _out=$2
    shift 2
    rm -f "$T/time.out"
    _t0=$(now)
    if [ -n "$TIMEBIN" ]; then
        (cd "$_dir" && exec "$TIMEBIN" -f '%e %M' -o "$T/time.out" "$@") < /dev/null > "$_out" 2>> "$LOG"
    else
        (cd "$_dir" && exec "$@") < /dev/null > "$_out" 2>> "$LOG"
    fi
    RC=$?
    _t1=$(now)
    SECS=$(awk -v a="$_t0" -v b="$_t1" 'BEGIN { s = b - a; if (s < 1e-6) s = 1e-6; printf "%.6f", s }')
    RSS_KB=-
    if [ -n "$TIMEBIN" ] && [ -s "$T/time.out" ]; then
        # the last line; GNU time prepends "Command exited with non-zero status N" on failure
        RSS_KB=$(awk 'NF == 2 && $2 ~ /^[0-9]+$/ { m = $2 } END { print (m == "" ? "-" : m) }' "$T/time.out")
    fi
    if [ "$NS_CLOCK" = 0 ] && [ -n "$TIMEBIN" ] && [ -s "$T/time.out" ]; then
        SECS=$(awk 'NF == 2 { s = $1 } END { if (s < 0.01) s = 0.01; printf "%.6f", s }' "$T/time.out")
    fi
}

# ---- compressors --------------------------------------------------------------------------------
tool_available() {
    case $1 in
    llmz) [ -x "$LLMZ" ] ;;
    gzip | bzip2 | xz | zstd | brotli | zpaq) have "$1" ;;
    *) return 1 ;;
    esac
}

tool_version() {
    case $1 in
    llmz) "$LLMZ" -V 2>&1 | head -n 1 ;;
    gzip) gzip --version 2>&1 | head -n 1 ;;
    bzip2) bzip2 --help 2>&1 < /dev/null | head -n 1 ;;
    xz) xz --version 2>&1 | head -n 1 ;;
    zstd) zstd --version 2>&1 | head -n 1 | sed 's/^[* ]*//; s/[* ]*$//' ;;
    brotli) brotli --version 2>&1 | head -n 1 ;;
    zpaq) zpaq 2>&1 | head -n 1 ;;
    esac
}

tool_options() {
    case $1 in
    llmz) echo "-c $LLMZ_FLAGS" ;;
    gzip) echo "-9" ;;
    bzip2) echo "-9" ;;
    xz) echo "-9e -T1" ;;
    zstd) echo "-19 --long" ;;
    brotli) echo "-q 11" ;;
    zpaq) echo "a -m5" ;;
    esac
}

# run_codec NAME SRC: compress SRC (absolute path) to $T/c.*, decompress to $T/d;
# sets CBYTES CSECS DSECS CRSS DRSS STATUS (ok, FAIL: round trip differs, ERR: a command failed)
run_codec() {
    _name=$1
    _src=$2
    rm -f "$T"/c.* "$T/d"
    CBYTES=- CSECS=- DSECS=- CRSS=- DRSS=- STATUS=ERR
    case $_name in
    llmz)
        # shellcheck disable=SC2086
        measure "$T" "$T/c.llmz" "$LLMZ" $LLMZ_FLAGS -c "$_src" || :
        [ "$RC" = 0 ] || return 0
        CSECS=$SECS CRSS=$RSS_KB
        # shellcheck disable=SC2086
        measure "$T" "$T/d" "$LLMZ" $LLMZ_FLAGS -d -c "$T/c.llmz"
        _cf=$T/c.llmz
        ;;
    gzip | bzip2 | xz | zstd | brotli)
        case $_name in
        gzip) _ext=gz; set -- gzip -9 ;;
        bzip2) _ext=bz2; set -- bzip2 -9 ;;
        xz) _ext=xz; set -- xz -9e -T1 ;;
        zstd) _ext=zst; set -- zstd -q -19 --long ;;
        brotli) _ext=br; set -- brotli -q 11 ;;
        esac
        _cf=$T/c.$_ext
        measure "$T" "$_cf" "$@" -c "$_src"
        [ "$RC" = 0 ] || return 0
        CSECS=$SECS CRSS=$RSS_KB
        case $_name in
        zstd) measure "$T" "$T/d" zstd -q -d --long -c "$_cf" ;;
        *) measure "$T" "$T/d" "$1" -d -c "$_cf" ;;
        esac
        ;;
    zpaq)
        # zpaq stores the name as given: add it relative to its directory, extract into an empty one
        _cf=$T/c.zpaq
        rm -rf "$T/zx"
        mkdir -p "$T/zx"
        measure "$(dirname "$_src")" /dev/null zpaq a "$_cf" "$(basename "$_src")" -m5
        [ "$RC" = 0 ] && [ -f "$_cf" ] || return 0
        CSECS=$SECS CRSS=$RSS_KB
        measure "$T/zx" /dev/null zpaq x "$_cf"
        [ -f "$T/zx/$(basename "$_src")" ] && mv "$T/zx/$(basename "$_src")" "$T/d"
        ;;
    *) return 0 ;;
    esac
    [ "$RC" = 0 ] && [ -f "$T/d" ] || return 0
    DSECS=$SECS DRSS=$RSS_KB
    CBYTES=$(wc -c < "$_cf" | tr -d ' ')
    if cmp -s "$_src" "$T/d"; then STATUS=ok; else STATUS=FAIL; fi
}

# ---- generated inputs ---------------------------------------------------------------------------
gen_random() { # $1 bytes of pseudo-random bytes (a fixed 32-bit LCG, high byte)
    awk -v n="$1" 'BEGIN {
        x = 12345
        for (i = 0; i < n; i++) {
            x = (x * 69069 + 1) % 4294967296
            printf "%c", int(x / 16777216)
        }
    }'
}

gen_log() { # about $1 bytes of repetitive log-like text, whole lines, deterministic
    awk -v n="$1" 'BEGIN {
        split("GET GET GET POST GET PUT GET DELETE", meth, " ")
        split("/index.html /api/v1/items /api/v1/users /static/app.js /static/style.css /login /api/v1/orders /favicon.ico", path, " ")
        split("200 200 200 200 304 200 404 200 500 301", code, " ")
        split("INFO INFO INFO WARN INFO DEBUG INFO ERROR", lvl, " ")
        x = 4242; t = 0; total = 0
        while (total < n) {
            x = (x * 69069 + 1) % 4294967296; r = int(x / 65536)
            t += r % 3
            line = sprintf("2024-03-%02d %02d:%02d:%02d.%03d %-5s [worker-%d] 10.0.%d.%d %s %s HTTP/1.1 %s %d %dms req=%08x",
                1 + int(t / 86400) % 28, int(t / 3600) % 24, int(t / 60) % 60, t % 60, r % 1000,
                lvl[1 + r % 8], r % 4, (r / 7) % 4, (r / 3) % 250, meth[1 + (r / 11) % 8],
                path[1 + (r / 13) % 8], code[1 + (r / 17) % 10], 200 + (r * 7) % 30000, (r / 5) % 120, x)
            if (total + length(line) + 1 > n) break
            print line
            total += length(line) + 1
        }
        while (total < n - 1) { printf "-"; total++ }
        printf "\n"
    }'
}

# ---- the file list ------------------------------------------------------------------------------
TEXT_FILES="canterbury/alice29.txt canterbury/asyoulik.txt canterbury/lcet10.txt canterbury/plrabn12.txt
canterbury/cp.html canterbury/fields.c canterbury/grammar.lsp canterbury/xargs.1
calgary/book1 calgary/book2 calgary/paper1 calgary/paper2 calgary/news calgary/bib calgary/progc
calgary/progl calgary/progp calgary/trans large/bible.txt large/world192.txt
wikitext2/wiki2.test.raw_variant.txt"
# everything else of ../shared/bench but dickens (BENCH_FULL): binaries, pictures, a spreadsheet, XML, digits,
# artificial files
OTHER_FILES="calgary/geo calgary/obj1 calgary/obj2 calgary/pic canterbury/kennedy.xls canterbury/ptt5
canterbury/sum silesia/xml misc/pi.txt artificial/a.txt artificial/aaa.txt artificial/alphabet.txt
artificial/random.txt"
if [ -n "${BENCH_FILES:-}" ]; then
    LIST=$BENCH_FILES
elif [ "$QUICK" = 1 ]; then
    LIST="canterbury/alice29.txt calgary/paper1 gen/random.bin gen/log.txt"
else
    LIST="$TEXT_FILES $OTHER_FILES"
    [ "$FULL" = 1 ] && LIST="$LIST silesia/dickens"
    LIST="$LIST gen/random.bin gen/log.txt"
fi

GEN_BYTES=$((GEN_KB * 1000))
FILES= # "label|path" words
MISSING=
for f in $LIST; do
    case $f in
    gen/random.bin)
        [ -f "$T/gen/random.bin" ] || gen_random "$GEN_BYTES" > "$T/gen/random.bin"
        FILES="$FILES $f|$T/gen/random.bin"
        ;;
    gen/log.txt)
        [ -f "$T/gen/log.txt" ] || gen_log "$GEN_BYTES" > "$T/gen/log.txt"
        FILES="$FILES $f|$T/gen/log.txt"
        ;;
    /*)
        if [ -f "$f" ]; then FILES="$FILES $f|$f"; else MISSING="$MISSING $f"; fi
        ;;
    *)
        if [ -f "$BENCH_DIR/$f" ]; then
            FILES="$FILES $f|$(cd "$(dirname "$BENCH_DIR/$f")" && pwd)/$(basename "$f")"
        elif [ -f "$f" ]; then
            FILES="$FILES $f|$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
        else
            MISSING="$MISSING $f"
        fi
        ;;
    esac
done
for g in random.bin log.txt; do
    if [ -f "$T/gen/$g" ]; then
        _sz=$(wc -c < "$T/gen/$g" | tr -d ' ')
        [ "$_sz" = "$GEN_BYTES" ] || echo "run.sh: warning: generated $g has $_sz bytes, not $GEN_BYTES" >&2
    fi
done

# ---- header -------------------------------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$CPU" ] || CPU=$(uname -m)
NPROC=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo "?")
say "llmz benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "machine: $NPROC CPUs, $CPU; $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
if [ -x "$LLMZ" ]; then
    say "  $LLMZ_SHOWN -V:"
    "$LLMZ" -V 2>&1 | while IFS= read -r l; do say "    $l"; done
else
    say "  llmz: $LLMZ_SHOWN not found (run make); llmz skipped"
fi
[ -n "$LLMZ_FLAGS" ] && say "  llmz flags: $LLMZ_FLAGS"
[ -n "${LLMZ_MODEL:-}" ] && say "  LLMZ_MODEL=$LLMZ_MODEL"
[ -n "${LLMZ_KERNELS:-}" ] && say "  LLMZ_KERNELS=$LLMZ_KERNELS"
AVAIL=
for c in $COMPRESSORS; do
    if tool_available "$c"; then
        AVAIL="$AVAIL $c"
        say "$(printf '  %-7s %-14s %s' "$c" "$(tool_options "$c")" "$(tool_version "$c")")"
    else
        say "$(printf '  %-7s missing: column "-"' "$c")"
    fi
done
[ -n "$TIMEBIN" ] || say "  /usr/bin/time missing (Debian package time): peak memory not measured"
[ "$NS_CLOCK" = 1 ] || say "  date has no %N: times have coarse resolution"
if [ ! -d "$BENCH_DIR" ]; then
    say "note: corpus directory $BENCH_DIR absent: only the generated files are measured"
elif [ -n "$MISSING" ]; then
    say "note: missing, skipped:$MISSING"
fi
say "KB = 1000 bytes; speeds are wall-clock incl. process start; bpb = 8 * compressed / original; MB = peak RSS (MiB)"
say ""

# ---- the measurements ---------------------------------------------------------------------------
FMT='%-38s %9s  %-7s %10s %7s %10s %10s %7s %s'
say "$(printf "$FMT" file size codec bytes bpb "c KB/s" "d KB/s" MB '' | sed 's/ *$//')"
FAILED=0
first=1
for fp in $FILES; do
    label=${fp%%|*}
    path=${fp#*|}
    size=$(wc -c < "$path" | tr -d ' ')
    case $label in gen/random.bin) text=0 ;; *) text=1 ;; esac
    [ "$first" = 1 ] || say ""
    first=0
    for c in $COMPRESSORS; do
        case " $AVAIL " in
        *" $c "*)
            echo "  $label: $c ..." >&2
            run_codec "$c" "$path"
            ;;
        *) CBYTES=- CSECS=- DSECS=- CRSS=- DRSS=- STATUS=skip ;;
        esac
        [ "$STATUS" = FAIL ] && FAILED=1
        [ "$STATUS" = ERR ] && FAILED=1
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$size" "$c" "$CBYTES" "$CSECS" "$DSECS" \
            "$CRSS" "$DRSS" "$STATUS" "$text" >> "$RAW"
        line=$(awk -F'\t' -v fmt="$FMT" 'END {
            size = $2; b = $4; cs = $5; ds = $6; st = $9
            if (st == "ok" || st == "FAIL") {
                bpb = sprintf("%.3f", size > 0 ? 8 * b / size : 0)
                ck = sprintf("%.1f", size / 1000 / cs); dk = sprintf("%.1f", size / 1000 / ds)
                mb = ($7 == "-" || $8 == "-") ? "-" : sprintf("%.1f", ($7 > $8 ? $7 : $8) / 1024)
                note = st == "FAIL" ? "FAIL: round trip differs" : ""
            } else {
                b = "-"; bpb = "-"; ck = "-"; dk = "-"; mb = "-"
                note = st == "ERR" ? "ERR: command failed (see stderr)" : ""
            }
            line = sprintf(fmt, $1, size, $3, b, bpb, ck, dk, mb, note); sub(/ +$/, "", line); print line
        }' "$RAW")
        say "$line"
    done
done
[ -s "$LOG" ] && [ "$FAILED" = 1 ] && { echo "--- stderr of the tools:" >&2; tail -n 40 "$LOG" >&2; }

# ---- CSV (one row per file and compressor; empty fields where not measured) -----------------------
awk -F'\t' 'BEGIN { print "file,size,compressor,bytes,bpb,c_kbps,d_kbps,peak_mb" }
{
    if ($9 == "ok" || $9 == "FAIL") {
        mb = ($7 == "-" || $8 == "-") ? "" : sprintf("%.1f", ($7 > $8 ? $7 : $8) / 1024)
        printf "%s,%s,%s,%s,%.4f,%.1f,%.1f,%s\n", $1, $2, $3, $4, ($2 > 0 ? 8 * $4 / $2 : 0),
            $2 / 1000 / $5, $2 / 1000 / $6, mb
    } else printf "%s,%s,%s,,,,,\n", $1, $2, $3
}' "$RAW" > "$CSV"

# ---- summary over the text files (everything but gen/random.bin) ------------------------------------
# per compressor: files, total original, total compressed, overall bpb, total size / total time, max MB;
# a compressor that was skipped or failed on any text file gets "-" (its totals would not compare)
awk -F'\t' -v order="$COMPRESSORS" '
$10 == 1 {
    c = $3; nf[c]++; orig[c] += $2
    if ($9 == "ok") { n[c]++; comp[c] += $4; cs[c] += $5; ds[c] += $6
        m = $7 > $8 ? $7 : $8; if ($7 == "-" || $8 == "-") nomem[c] = 1; else if (m > mx[c]) mx[c] = m }
}
END {
    k = split(order, list, " ")
    for (i = 1; i <= k; i++) {
        c = list[i]
        if (nf[c] == 0) continue
        if (n[c] == nf[c]) printf "%s\t%d\t%d\t%d\t%.6f\t%.6f\t%s\n", c, nf[c], orig[c], comp[c], cs[c], ds[c],
            nomem[c] ? "-" : sprintf("%.1f", mx[c] / 1024)
        else printf "%s\t%d\t%d\t-\t-\t-\t-\n", c, nf[c], orig[c]
    }
}' "$RAW" > "$T/summary.tsv"

say ""
say "summary over the text files (all but gen/random.bin): total bytes, overall bpb, total size / total time"
SFMT='%-7s %5s %11s %11s %7s %8s %10s %10s %7s'
say "$(printf "$SFMT" codec files original compressed bpb ratio "c KB/s" "d KB/s" MB)"
while IFS="$(printf '\t')" read -r c nf orig comp cs ds mb; do
    if [ "$comp" = - ]; then
        say "$(printf "$SFMT" "$c" "$nf" "$orig" - - - - - -)"
    else
        say "$(awk -v c="$c" -v nf="$nf" -v o="$orig" -v b="$comp" -v cs="$cs" -v ds="$ds" -v mb="$mb" -v fmt="$SFMT" \
            'BEGIN { printf fmt, c, nf, o, b, sprintf("%.3f", 8 * b / o), sprintf("%.3f", o / b),
                     sprintf("%.1f", o / 1000 / cs), sprintf("%.1f", o / 1000 / ds), mb }')"
    fi
done < "$T/summary.tsv"

# ---- SVG: compression speed (log x) against bits per byte, one labelled point per compressor -------
awk -F'\t' -v title="llmz bench: $(awk -F'\t' '$4 != "-" { print $3; exit }' "$T/summary.tsv") bytes of text, $NPROC CPUs" '
$4 != "-" && $3 > 0 { k++; name[k] = $1; x[k] = $3 / 1000 / $5; y[k] = 8 * $4 / $3; dx[k] = $3 / 1000 / $6 }
function lg(v) { return log(v) / log(10) }
function px(v) { return L + (lg(v) - x0) / (x1 - x0) * W }
function py(v) { return Tp + H - (v - y0) / (y1 - y0) * H }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
END {
    Wd = 760; Ht = 500; L = 70; R = 30; Tp = 50; B = 60; W = Wd - L - R; H = Ht - Tp - B
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", Wd, Ht, Wd, Ht
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">%s</text>\n", Wd / 2, esc(title)
    if (k == 0) {
        printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no complete results</text>\n</svg>\n", Wd / 2, Ht / 2
        exit
    }
    lo = x[1]; hi = x[1]; ymax = y[1]
    for (i = 1; i <= k; i++) { if (x[i] < lo) lo = x[i]; if (x[i] > hi) hi = x[i]; if (y[i] > ymax) ymax = y[i] }
    x0 = int(lg(lo)); if (x0 > lg(lo)) x0--
    x1 = int(lg(hi)); if (x1 < lg(hi)) x1++
    if (x1 <= x0) x1 = x0 + 1
    y0 = 0; y1 = int(ymax + 0.5) + 1; if (y1 > 9) y1 = 9
    ystep = y1 > 4 ? 1 : 0.5
    # grid and ticks
    for (e = x0; e <= x1; e++) {
        xp = L + (e - x0) / (x1 - x0) * W
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", xp, Tp, xp, Tp + H
        tlab = e >= 0 ? sprintf("%d", 10 ^ e) : sprintf("%g", 10 ^ e)
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", xp, Tp + H + 18, tlab
        if (e < x1) for (m = 2; m <= 9; m++) {
            xm = L + (e + lg(m) - x0) / (x1 - x0) * W
            printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#f2f2f2\"/>\n", xm, Tp, xm, Tp + H
        }
    }
    for (v = y0; v <= y1 + 1e-9; v += ystep) {
        yp = py(v)
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, yp, L + W, yp
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, yp + 4, v
    }
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", L, Tp, W, H
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">compression speed, KB/s (log scale)</text>\n", L + W / 2, Ht - 16
    printf "<text transform=\"translate(18 %d) rotate(-90)\" text-anchor=\"middle\">bits per byte (lower is better)</text>\n", Tp + H / 2
    # labels: right of the point (left near the right edge), pushed down while they overlap one placed before
    for (i = 1; i <= k; i++) {
        xp = px(x[i]); yp = py(y[i])
        col = name[i] == "llmz" ? "#d62728" : "#1f77b4"
        lab[i] = sprintf("%s %.3f bpb, %.1f KB/s", esc(name[i]), y[i], x[i])
        w = 6.6 * length(lab[i])
        if (xp + 8 + w > L + W) { lx0[i] = xp - 8 - w; anchor = "end"; tx = xp - 8 } else { lx0[i] = xp + 8; anchor = "start"; tx = xp + 8 }
        lx1[i] = lx0[i] + w
        # first free baseline among yp-7, yp-7+14, yp-7-14, yp-7+28, ... inside the frame
        for (t = 0; t < 40; t++) {
            d = (t % 2 ? 1 : -1) * int((t + 1) / 2) * 14
            ly[i] = yp - 7 + d
            if (ly[i] < Tp + 12 || ly[i] > Tp + H - 4) continue
            free = 1
            for (j = 1; j < i; j++)
                if (lx0[i] < lx1[j] && lx0[j] < lx1[i] && ly[i] > ly[j] - 14 && ly[i] < ly[j] + 14) free = 0
            if (free) break
        }
        if (t == 40) ly[i] = yp - 7
        printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n", xp, yp, col
        if (ly[i] > yp + 2 || ly[i] < yp - 20)
            printf "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"0.6\"/>\n", xp, yp, tx, ly[i] - 4, col
        printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">%s</text>\n", tx, ly[i], anchor, col, lab[i]
    }
    printf "</svg>\n"
}' "$T/summary.tsv" > "$SVG"

say ""
say "wrote $TXT, $CSV, $SVG"
if [ "$FAILED" = 1 ]; then
    echo "run.sh: some compressions failed or did not round-trip (see FAIL/ERR above)" >&2
    exit 1
fi
exit 0
