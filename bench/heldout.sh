#!/bin/sh
# bench/heldout.sh -- llmz against xz -9e and zpaq -m5 on files of this machine that no training corpus holds
# (issue 20's kinds: logs, changelogs, JSON, JavaScript, executables, zeros, long repeats).  The held-out rule of the project
# forbids training on any of them; measuring is what they are for.  Files missing here are skipped.
#
#   sh bench/heldout.sh            (LLMZ=PATH for another binary; HELDOUT_FLAGS: extra llmz options, e.g. -T1)
#   PAQ8PX=PATH sh bench/heldout.sh   (also paq8px -9LAT on the files under 400 KB: minutes each; a paq8px built
#                                      outside this repository, its english.dic/.exp beside it for the T flag)
#
# Prints one row per file: size, xz -9e, zpaq -m5, paq8px (archive bytes; - when not run), llmz bytes, llmz / xz,
# and llmz's wall-clock speeds both ways (KB = 1000 bytes); every llmz archive is decompressed and compared.
set -u
LC_ALL=C
export LC_ALL
ROOT=$(cd "$(dirname "$0")/.." && pwd) || exit 2
LLMZ=${LLMZ:-$ROOT/llmz}
FLAGS=${HELDOUT_FLAGS:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/llmzheld.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT INT TERM
PAQ=${PAQ8PX:-}
PY=/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages
NPM=/usr/lib/node_modules/npm/node_modules
RUST=/root/.rustup/toolchains/stable-x86_64-unknown-linux-gnu/share/doc/rust/html

# name|command printing the file
LIST="dpkg.log-300K|head -c 300000 /var/log/dpkg.log
alternatives.log|cat /var/log/alternatives.log
dpkg-changelog-300K|zcat /usr/share/doc/dpkg/changelog.gz | head -c 300000
libc-dev-changelog-300K|zcat /usr/share/doc/linux-libc-dev/changelog.Debian.gz | head -c 300000
apt-changelog|zcat /usr/share/doc/apt/changelog.gz
boto3-ec2-resources.json|cat $PY/boto3/data/ec2/2016-11-15/resources-1.json
botocore-ec2-examples.json|cat $PY/botocore/data/ec2/2016-11-15/examples-1.json
rustdoc-search.js|cat $RUST/static.files/search-*.js
jquery.min.js|cat /usr/share/javascript/jquery/jquery.min.js
jquery.js|cat /usr/share/javascript/jquery/jquery.js
npm-diff.js|cat $NPM/diff/dist/diff.js
undici-fetch.js|cat $NPM/undici/lib/web/fetch/index.js
exe-200K|head -c 204800 /usr/bin/x86_64-linux-gnu-cpp-12
exe-whole|cat /usr/bin/x86_64-linux-gnu-cpp-12
exe-zstd|cat /usr/bin/zstd
libc.so.6|cat /usr/lib/x86_64-linux-gnu/libc.so.6
exe-git|cat /usr/bin/git
zeros-20M|head -c 20971520 /dev/zero
repeats-text-2M|for i in \$(seq 100); do zcat /usr/share/doc/dpkg/changelog.gz | head -c 20000; done
repeats-random-2.6M|for i in \$(seq 40); do zcat /usr/share/doc/dpkg/changelog.gz | xz -9 -c | head -c 65536; done"

now() { date +%s.%N; }
kbs() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { d = b - a; if (d < 0.001) d = 0.001; printf "%.1f", n / 1000 / d }'; }

printf '%-26s %9s %9s %9s %9s %9s %6s %9s %9s\n' file bytes xz zpaq paq8px llmz "/xz" "c KB/s" "d KB/s"
echo "$LIST" | while IFS='|' read -r name cmd; do
    sh -c "$cmd" > "$T/f" 2>/dev/null
    n=$(wc -c < "$T/f")
    [ "$n" -gt 0 ] || continue
    x=$(xz -9e -T1 -c "$T/f" | wc -c)
    z=-
    if command -v zpaq > /dev/null 2>&1 && [ "$n" -lt 5000000 ]; then
        rm -f "$T/z.zpaq"
        (cd "$T" && zpaq a z.zpaq f -m5 > /dev/null 2>&1) && z=$(wc -c < "$T/z.zpaq")
    fi
    p=-
    if [ -n "$PAQ" ] && [ "$n" -lt 400000 ]; then
        rm -f "$T/f.paq"
        "$PAQ" -9LAT "$T/f" "$T/f.paq" > /dev/null 2>&1 && p=$(wc -c < "$T/f.paq")
    fi
    t0=$(now)
    # shellcheck disable=SC2086
    "$LLMZ" $FLAGS -c "$T/f" > "$T/f.llmz"
    t1=$(now)
    # shellcheck disable=SC2086
    "$LLMZ" $FLAGS -dc "$T/f.llmz" > "$T/g"
    t2=$(now)
    l=$(wc -c < "$T/f.llmz")
    cmp -s "$T/f" "$T/g" || l="FAIL"
    printf '%-26s %9d %9d %9s %9s %9s %6s %9s %9s\n' "$name" "$n" "$x" "$z" "$p" "$l" \
        "$(awk -v a="$l" -v b="$x" 'BEGIN { printf "%.3f", a / b }')" "$(kbs "$n" "$t0" "$t1")" "$(kbs "$n" "$t1" "$t2")"
done
