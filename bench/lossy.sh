#!/bin/sh
# bench/lossy.sh -- rate against distortion of llmz's lossy levels (docs/lossy.md) and of three baselines,
# measured in the same run on the same inputs.
#
#   make bench-lossy            (or: sh bench/lossy.sh, after make and make build/tools/lossy_baseline)
#
# Points, for each input:
#   lossless     llmz -c                                            (the reference size)
#   L1           llmz --lossy=1                                     (canonical)
#   L2:S         llmz --lossy=2:S, S in LOSSY_L2 (paraphrase)
#   L3:S         llmz --lossy=3:S, S in LOSSY_L3 (seed: sentences dropped)
#   sc:F         Selective Context: the fraction F of the words with the least self-information under the model
#                (the bits of the tokens overlapping them, llmz_analyze_frame) deleted, then llmz -c
#   freq:F       the document's most frequent word types deleted until F of the words are gone, then llmz -c
# Every byte of every archive is counted (frame header, certificate, chunk table, payload); bits per byte are of the
# ORIGINAL's size.  Distortion: the certificate's measurements (llmz_lossy_measure; WER, chrF, content-word recall,
# protected items) -- from `llmz -lv` for llmz's points, from tools/lossy_baseline for the baselines.
#
# Environment:
#   LOSSY_FILES="a b"   inputs (replace the default list); default: LOSSY_KB KB of whole lines from the middle of
#                       ../shared/corpus/valid_prose.txt (held out: measured, never trained on), the same made
#                       messy by bench/messy.awk (typographic quotes, dashes, no-break spaces, ...), and the first
#                       LOSSY_KB KB of dpkg's Debian changelog where the system has it
#   LOSSY_KB=200        size of the default inputs
#   LOSSY_L2="30 47 52 58 60 100"  LOSSY_L3="40 50 66 75 85"  LOSSY_FRACTIONS="0.1 0.3 0.5 0.7"
#   LOSSY_VERIFY=1      also decode every lossy archive and check its certificate (llmz --verify)
#   LOSSY_OUT=DIR       where lossy.csv, lossy.txt and lossy.svg go (default bench/results)
#   LLMZ=PATH           default build/llmz;  LOSSY_BASELINE=PATH  default build/tools/lossy_baseline
#   LLMZ_FLAGS          extra llmz options, e.g. -T1
#   LOSSY_PLOT_ONLY=1   measure nothing: redraw lossy.svg from the lossy.csv in LOSSY_OUT
set -u
LC_ALL=C
export LC_ALL

ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
cd "$ROOT" || exit 2

LLMZ=${LLMZ:-$ROOT/build/llmz}
BASE=${LOSSY_BASELINE:-$ROOT/build/tools/lossy_baseline}
OUTDIR=${LOSSY_OUT:-$ROOT/bench/results}
KB=${LOSSY_KB:-200}
L2S=${LOSSY_L2:-30 47 52 58 60 100}
L3S=${LOSSY_L3:-40 50 66 75 85}
FRACS=${LOSSY_FRACTIONS:-0.1 0.3 0.5 0.7}
VERIFY=${LOSSY_VERIFY:-0}
FLAGS=${LLMZ_FLAGS:-}
case $KB in '' | *[!0-9]*) echo "lossy.sh: LOSSY_KB must be a number" >&2; exit 2 ;; esac
CSV=$OUTDIR/lossy.csv
TXT=$OUTDIR/lossy.txt
SVG=$OUTDIR/lossy.svg
NPROC=$(nproc 2>/dev/null || echo "?")
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "?")

FAILED=0
if [ "${LOSSY_PLOT_ONLY:-0}" = 1 ]; then
    [ -f "$CSV" ] || { echo "lossy.sh: $CSV missing" >&2; exit 2; }
    # the run's machine and commit, from its lossy.txt
    C=$(sed -n '1s/.*commit \([0-9a-f?]*\).*/\1/p' "$TXT" 2>/dev/null)
    [ -n "$C" ] && COMMIT=$C
    P=$(sed -n '2s/^machine: \([0-9?]*\) CPUs.*/\1/p' "$TXT" 2>/dev/null)
    [ -n "$P" ] && NPROC=$P
    PLOT_ONLY=1
else
    PLOT_ONLY=0
fi

if [ "$PLOT_ONLY" = 0 ]; then
for b in "$LLMZ" "$BASE"; do
    [ -x "$b" ] || { echo "lossy.sh: $b missing (make; make build/tools/lossy_baseline)" >&2; exit 2; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/llmzlossy.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'rm -rf "$T"; exit 130' INT
trap 'rm -rf "$T"; exit 143' TERM
mkdir -p "$OUTDIR" || exit 2
# private copies, so that a rebuild during the run cannot mix two binaries
cp "$LLMZ" "$T/llmz" && cp "$BASE" "$T/lossy_baseline" || exit 2
Z=$T/llmz
B=$T/lossy_baseline
RAW=$T/raw.csv
: > "$RAW"
: > "$TXT"

say() {
    printf '%s\n' "$*"
    printf '%s\n' "$*" >> "$TXT"
}

# whole_lines BYTES: the first lines of stdin that fit in BYTES bytes
whole_lines() { awk -v lim="$1" '{ n += length($0) + 1; if (n > lim) exit; print }'; }

# ---- inputs --------------------------------------------------------------------------------------------
BYTES=$((KB * 1000))
INPUTS= # "label|path" words
if [ -n "${LOSSY_FILES:-}" ]; then
    for f in $LOSSY_FILES; do
        if [ -f "$f" ]; then INPUTS="$INPUTS $(basename "$f")|$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
        else echo "lossy.sh: $f missing, skipped" >&2; fi
    done
else
    P=$ROOT/../shared/corpus/valid_prose.txt
    if [ -f "$P" ]; then
        S=$(wc -c < "$P" | tr -d ' ')
        OFF=$((S / 2 - BYTES / 2))
        [ "$OFF" -ge 0 ] || OFF=0
        # from the middle: the first (partial) line dropped, then whole lines
        tail -c +$((OFF + 1)) "$P" | head -c $((BYTES + 20000)) | sed 1d | whole_lines "$BYTES" > "$T/prose.txt"
        INPUTS="$INPUTS valid_prose_mid${KB}K|$T/prose.txt"
        # the same made messy as web extraction leaves text (bench/messy.awk): what level 1 is for
        LC_ALL=C awk -f "$ROOT/bench/messy.awk" "$T/prose.txt" > "$T/messy.txt"
        INPUTS="$INPUTS valid_prose_mid${KB}K_messy|$T/messy.txt"
    else
        echo "lossy.sh: $P missing: the prose sample is skipped" >&2
    fi
    CL=
    for c in /usr/share/doc/dpkg/changelog.Debian.gz /usr/share/doc/dpkg/changelog.gz; do
        [ -f "$c" ] && { CL=$c; break; }
    done
    if [ -n "$CL" ] && gzip -dc "$CL" 2> /dev/null | whole_lines "$BYTES" > "$T/changelog.txt" && [ -s "$T/changelog.txt" ]; then
        INPUTS="$INPUTS dpkg_$(basename "$CL" .gz)_${KB}K|$T/changelog.txt"
    else
        echo "lossy.sh: dpkg's changelog (/usr/share/doc/dpkg/changelog.Debian.gz or changelog.gz) missing: skipped" >&2
    fi
fi
if [ -z "$INPUTS" ]; then
    echo "lossy.sh: no input files: nothing measured" >&2
    exit 0
fi

# ---- header ---------------------------------------------------------------------------------------------
CPU=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$CPU" ] || CPU=$(uname -m)
say "llmz lossy benchmark  $(date -u '+%Y-%m-%d %H:%M:%S UTC'), commit $COMMIT"
say "machine: $NPROC CPUs, $CPU; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
say "  $("$Z" -V 2>&1 | head -n 1)${FLAGS:+; flags $FLAGS}"
say "bpb = 8 * archive bytes / ORIGINAL bytes (every byte: header, certificate, payload); x lossless = archive /"
say "lossless archive; wer, chrf, recall: certificate measurements (llmz_lossy_measure) against the original"
say ""

# jget KEY: the value of "KEY" in the JSON line on stdin
jget() { sed -n "s/.*\"$1\": \"*\([^,\"}]*\).*/\1/p" | head -n 1; }

# row LABEL ORIGBYTES METHOD PARAM ARCHIVE JSON_LINE: one line of the raw table (JSON in llmz -lv's or
# lossy_baseline's key names)
row() {
    _j=$6
    _get() { printf '%s\n' "$_j" | jget "$1"; }
    _wer=$(_get wer) _chrf=$(_get chrf)
    _rec=$(_get content_word_recall); [ -n "$_rec" ] || _rec=$(_get recall)
    _pk=$(_get protected_kept); [ -n "$_pk" ] || _pk=$(_get prot_kept)
    _pt=$(_get protected); [ -n "$_pt" ] || _pt=$(_get prot_total)
    _pi=$(_get protected_invented); [ -n "$_pi" ] || _pi=$(_get prot_invented)
    _nc=$(_get new_content_words); [ -n "$_nc" ] || _nc=$(_get new_content)
    _rs=$(_get reconstruction_size); [ -n "$_rs" ] || _rs=$(_get size)
    _ab=$(wc -c < "$5" | tr -d ' ')
    printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$3" "$4" "$2" "$_ab" "$_wer" "$_chrf" "$_rec" "$_pk" \
        "$_pt" "$_pi" "$_nc" "$_rs" >> "$RAW"
    printf '  %-10s %-6s %8s bytes  wer %s chrf %s\n' "$3" "$4" "$_ab" "$_wer" "$_chrf" >&2
}

for lp in $INPUTS; do
    label=${lp%%|*}
    f=${lp#*|}
    size=$(wc -c < "$f" | tr -d ' ')
    echo "$label ($size bytes):" >&2
    # lossless
    # shellcheck disable=SC2086
    if ! nice "$Z" $FLAGS -c "$f" > "$T/a.llmz"; then echo "lossy.sh: llmz failed on $label" >&2; FAILED=1; continue; fi
    row "$label" "$size" lossless - "$T/a.llmz" "$("$B" measure "$f" "$f")"
    # llmz's levels
    for spec in 1 $(for s in $L2S; do echo "2:$s"; done) $(for s in $L3S; do echo "3:$s"; done); do
        # shellcheck disable=SC2086
        if ! nice "$Z" $FLAGS --lossy="$spec" -c "$f" > "$T/a.llmz" 2> "$T/err"; then
            echo "lossy.sh: llmz --lossy=$spec failed on $label: $(cat "$T/err")" >&2
            FAILED=1
            continue
        fi
        [ -s "$T/err" ] && sed "s/^/  llmz --lossy=$spec: /" "$T/err" >&2
        cert=$("$Z" -lv "$T/a.llmz" | grep '"lossy"')
        if [ -z "$cert" ]; then # coded losslessly (not prose): the original, unchanged
            cert=$("$B" measure "$f" "$f")
        fi
        if [ "$VERIFY" = 1 ] && ! "$Z" $FLAGS --verify "$f" "$T/a.llmz" > /dev/null 2> "$T/err"; then
            echo "lossy.sh: --verify failed for --lossy=$spec on $label: $(cat "$T/err")" >&2
            FAILED=1
        fi
        case $spec in 1) m=L1 p=- ;; 2:*) m=L2 p=${spec#2:} ;; 3:*) m=L3 p=${spec#3:} ;; esac
        row "$label" "$size" "$m" "$p" "$T/a.llmz" "$cert"
    done
    # baselines: the reduced text, compressed losslessly
    for m in sc freq; do
        for fr in $FRACS; do
            if ! j=$("$B" "$m" "$fr" "$f" "$T/reduced.txt" 2> "$T/err"); then
                echo "lossy.sh: lossy_baseline $m $fr failed on $label: $(cat "$T/err")" >&2
                FAILED=1
                continue
            fi
            # shellcheck disable=SC2086
            if ! nice "$Z" $FLAGS -c "$T/reduced.txt" > "$T/a.llmz"; then FAILED=1; continue; fi
            row "$label" "$size" "$m" "$fr" "$T/a.llmz" "$j"
        done
    done
done

# ---- CSV: bpb and the ratio to the file's lossless archive added ------------------------------------------
awk -F, 'BEGIN { OFS = ","; print "file,method,param,bytes_orig,bytes_archive,bpb,ratio_to_lossless,wer,chrf,recall," \
                   "prot_kept,prot_total,prot_invented,new_content,bytes_recon" }
{ r[NR] = $0; if ($2 == "lossless") ll[$1] = $5 }
END {
    for (i = 1; i <= NR; i++) {
        split(r[i], a, ",")
        print a[1], a[2], a[3], a[4], a[5], sprintf("%.4f", 8 * a[5] / a[4]),
            (a[1] in ll) ? sprintf("%.4f", a[5] / ll[a[1]]) : "", a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13]
    }
}' "$RAW" > "$CSV"

# ---- the readable table -----------------------------------------------------------------------------------
FMT='%-8s %-5s %9s %9s %7s %6s %7s %7s %7s %11s %5s %5s'
awk -F, -v fmt="$FMT" 'NR > 1 {
    if ($1 != cur) {
        if (cur != "") print ""
        cur = $1
        printf "%s: %d bytes\n", $1, $4
        line = sprintf(fmt, "method", "param", "archive", "recon", "bpb", "x ll", "WER", "chrF", "recall", "protected", "inv", "new")
        sub(/ +$/, "", line); print line
    }
    line = sprintf(fmt, $2, $3, $5, $15, $6, $7, sprintf("%.2f%%", 100 * $8), sprintf("%.2f%%", 100 * $9),
                   sprintf("%.2f%%", 100 * $10), $11 "/" $12, $13, $14)
    sub(/ +$/, "", line); print line
}' "$CSV" > "$T/table.txt"
while IFS= read -r l; do say "$l"; done < "$T/table.txt"
say ""
say "wrote $CSV, $TXT, $SVG"
fi # PLOT_ONLY

# ---- SVG: per input, two panels: bpb against chrF (left) and against WER (right), one series per method -----
awk -F, -v title="llmz lossy mode: rate against distortion ($NPROC CPUs, commit $COMMIT)" '
NR == 1 { next }
{
    if (!($1 in fi)) { nf++; fi[$1] = nf; fname[nf] = $1; forig[nf] = $4 }
    k = fi[$1]; n[k]++; i = n[k]
    meth[k, i] = $2; par[k, i] = $3; bx[k, i] = $6 + 0; ch[k, i] = $9 + 0; we[k, i] = $8 + 0
    if ($2 == "lossless") llb[k] = $5
    if ($2 ~ /^L[123]$/) { nl[k]++; if ($8 + 0 == 0 && $9 + 0 == 1 && $13 == 0) same[k]++ }
    if ($6 + 0 > xmax[k]) xmax[k] = $6 + 0
    if ($8 + 0 > wmax[k]) wmax[k] = $8 + 0
}
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); return s }
function nice_step(span,   s) { s = 0.1; while (span / s > 8) s = (s == 0.1 ? 0.2 : s == 0.2 ? 0.25 : s == 0.25 ? 0.5 : s * 2); return s }
# panel P (0 chrF, 1 WER) of input k at (ox, oy)
function panel(k, P, ox, oy,   L, Tp, W, H, xs, x1, y1, ys, v, xp, yp, s, j, c, pts, m, lab, a, b, t, ord) {
    L = ox + 60; Tp = oy + 40; W = PW - 80; H = PH - 90
    x1 = xmax[k] * 1.05; if (x1 < 0.5) x1 = 0.5
    xs = nice_step(x1); x1 = xs * int(x1 / xs + 0.999)
    if (P == 0) { y1 = 1; ys = 0.1 } else { y1 = wmax[k] * 1.05; if (y1 < 0.1) y1 = 0.1; ys = nice_step(y1); y1 = ys * int(y1 / ys + 0.999) }
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">%s: %s against bits per byte</text>\n",
        L + W / 2, oy + 26, esc(fname[k]), P == 0 ? "chrF (higher is better)" : "WER (lower is better)"
    for (v = 0; v <= x1 + 1e-9; v += xs) {
        xp = L + v / x1 * W
        printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", xp, Tp, xp, Tp + H
        printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%g</text>\n", xp, Tp + H + 16, v
    }
    for (v = 0; v <= y1 + 1e-9; v += ys) {
        yp = Tp + H - v / y1 * H
        printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, yp, L + W, yp
        printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", L - 6, yp + 4, v
    }
    printf "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#444\"/>\n", L, Tp, W, H
    if (nl[k] && same[k] == nl[k])
        printf "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">llmz: not prose, every level coded losslessly (the lossless point)</text>\n", L + 8, P == 0 ? Tp + H - 10 : Tp + int(H * 0.6)
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">bits per byte of the original (archive, all bytes counted)</text>\n", L + W / 2, Tp + H + 36
    printf "<text transform=\"translate(%d %d) rotate(-90)\" text-anchor=\"middle\">%s</text>\n", ox + 18, Tp + H / 2, P == 0 ? "chrF" : "word error rate"
    for (s = 1; s <= NS; s++) {
        c = col[s]; pts = ""; m = 0
        # the series points in order of bpb
        split("", ord)
        for (j = 1; j <= n[k]; j++) if (meth[k, j] == sname[s]) ord[++m] = j
        for (a = 2; a <= m; a++) for (b = a; b > 1 && par[k, ord[b]] + 0 < par[k, ord[b - 1]] + 0; b--) { t = ord[b]; ord[b] = ord[b - 1]; ord[b - 1] = t }
        for (a = 1; a <= m; a++) {
            j = ord[a]; xp = L + bx[k, j] / x1 * W; yp = Tp + H - (P == 0 ? ch[k, j] : we[k, j]) / y1 * H
            pts = pts sprintf("%.1f,%.1f ", xp, yp)
        }
        if (m > 1) printf "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"/>\n", pts, c
        for (a = 1; a <= m; a++) {
            j = ord[a]; xp = L + bx[k, j] / x1 * W; yp = Tp + H - (P == 0 ? ch[k, j] : we[k, j]) / y1 * H
            if (shape[s] == "sq") printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\"><title>%s %s: %.3f bpb</title></rect>\n", xp - 4, yp - 4, c, sname[s], par[k, j], bx[k, j]
            else if (shape[s] == "di") printf "<path d=\"M%.1f %.1fl5 5l-5 5l-5 -5z\" fill=\"%s\"><title>%s %s: %.3f bpb</title></path>\n", xp, yp - 5, c, sname[s], par[k, j], bx[k, j]
            else printf "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"><title>%s %s: %.3f bpb</title></circle>\n", xp, yp, c, sname[s], par[k, j], bx[k, j]
            if (sname[s] == "L2" || sname[s] == "L3" || sname[s] == "sc" || sname[s] == "freq") {
                lab = par[k, j]
                if (sname[s] == "freq") printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"end\" fill=\"%s\">%s</text>\n", xp - 5, yp + 12, c, lab
                else printf "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" fill=\"%s\">%s</text>\n", xp + 5, yp - 5, c, lab
            }
        }
    }
}
END {
    NS = split("lossless L1 L2 L3 sc freq", sname, " ")
    split("#000000 #7f7f7f #d62728 #ff7f0e #1f77b4 #2ca02c", col, " ")
    split("sq di ci ci ci ci", shape, " ")
    split("lossless|llmz L1 canonical|llmz L2 paraphrase (strength)|llmz L3 seed (strength)|Selective Context (fraction of words deleted)|word frequency (fraction deleted)", desc, "|")
    PW = 520; PH = 400; LG = 52
    Wd = 2 * PW; Ht = 40 + LG + (nf ? nf : 1) * PH
    printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n", Wd, Ht, Wd, Ht
    printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
    printf "<text x=\"%d\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">%s</text>\n", Wd / 2, esc(title)
    # legend: two rows of three
    for (s = 1; s <= NS; s++) {
        lx = 40 + ((s - 1) % 3) * 330; ly = 48 + int((s - 1) / 3) * 20
        if (shape[s] == "sq") printf "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"8\" fill=\"%s\"/>\n", lx + 6, ly - 8, col[s]
        else if (shape[s] == "di") printf "<path d=\"M%d %dl5 5l-5 5l-5 -5z\" fill=\"%s\"/>\n", lx + 10, ly - 9, col[s]
        else printf "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1.5\"/><circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"%s\"/>\n", lx, ly - 4, lx + 20, ly - 4, col[s], lx + 10, ly - 4, col[s]
        printf "<text x=\"%d\" y=\"%d\">%s</text>\n", lx + 26, ly, esc(desc[s])
    }
    if (nf == 0) { printf "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">no results</text>\n", Wd / 2, Ht / 2 }
    for (k = 1; k <= nf; k++) { panel(k, 0, 0, 40 + LG + (k - 1) * PH); panel(k, 1, PW, 40 + LG + (k - 1) * PH) }
    printf "</svg>\n"
}' "$CSV" > "$SVG"

if [ "$FAILED" = 1 ]; then
    echo "lossy.sh: some runs failed (see above)" >&2
    exit 1
fi
exit 0
