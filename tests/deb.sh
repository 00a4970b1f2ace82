#!/bin/sh
# tests/deb.sh -- CI only (it installs into the system, as root): make deb, dpkg -i, round trips with the installed
# llmz and a program built with pkg-config against the installed library, dpkg -r leaves nothing behind.
# Prints "N passed, N failed".
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
pass=0
fail=0
t() {
    n=$1
    shift
    if "$@"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $n"; fi
}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$ROOT" || exit 1
if [ "$(id -u)" != 0 ] || ! command -v dpkg >/dev/null 2>&1; then
    echo "SKIP: not root or no dpkg"
    echo "0 passed, 0 failed"
    exit 0
fi
t "make deb" make -s BUILD="$BUILD" deb
deb=$(ls "$BUILD"/llmz_*.deb 2>/dev/null | head -n 1)
t "the package exists" [ -n "$deb" ]
t "dpkg -i" dpkg -i "$deb"
head -c 30000 README.md >"$W/r.txt"
t "installed llmz round-trips" sh -c "llmz -c '$W/r.txt' | unllmz -c | cmp -s - '$W/r.txt'"
t "llmzcat" sh -c "llmz -c '$W/r.txt' >'$W/r.llmz' && llmzcat '$W/r.llmz' | cmp -s - '$W/r.txt'"
t "man page installed" [ -f /usr/share/man/man1/llmz.1.gz ]
if command -v pkg-config >/dev/null 2>&1; then
    # shellcheck disable=SC2046
    t "a program built with pkg-config against the package" cc -std=c11 -o "$W/prog" tests/cli/data/api_roundtrip.c \
        $(pkg-config --cflags --libs llmz)
    t "it round-trips with /usr/lib/libllmz.so.0" sh -c "'$W/prog' '$W/r.txt' | grep -q '^identical'"
fi
t "dpkg -r" dpkg -r llmz
t "nothing left" [ ! -e /usr/bin/llmz ] && [ ! -e /usr/lib/libllmz.so.0 ] && [ ! -e /usr/include/llmz.h ]
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
