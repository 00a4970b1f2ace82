#!/bin/sh
# tests/cli/install.sh -- make install / uninstall into a staging DESTDIR: the binary and its links, the static and
# shared library (soname, only llmz.h's functions exported), llmz.h, llmz.pc and llmz(1); a program built with
# pkg-config against the installed library round-trips a file.
. "$(dirname "$0")/lib.sh"

D=$W/dest
# a make of its own: not the flags of a make that may be running this test (make asan-test); the build folder named
# as the Makefile names it (relative to ROOT when inside it), so that the dependency files it writes stay the
# ones a later plain `make` reads (with an absolute name they listed targets make never asks for, and a changed
# header no longer rebuilt the objects)
case $BUILD in
"$ROOT"/*) MKBUILD=${BUILD#"$ROOT"/} ;;
*) MKBUILD=$BUILD ;;
esac
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$ROOT" BUILD="$MKBUILD" "$@"; }
mk DESTDIR="$D" PREFIX=/usr install >install.log 2>&1
rc=$?
expect "make install" 0
[ "$rc" -eq 0 ] || sed -n '1,10p' install.log
for f in bin/llmz lib/libllmz.a lib/libllmz.so.0 lib/libllmz.so include/llmz.h lib/pkgconfig/llmz.pc \
    share/man/man1/llmz.1; do
    check "installed $f" [ -e "$D/usr/$f" ]
done
check "unllmz is a link to llmz" [ "$(readlink "$D/usr/bin/unllmz")" = llmz ]
check "llmzcat is a link to llmz" [ "$(readlink "$D/usr/bin/llmzcat")" = llmz ]
if command -v objdump >/dev/null 2>&1; then
    check "soname libllmz.so.0" [ "$(objdump -p "$D/usr/lib/libllmz.so.0" | awk '/SONAME/ { print $2 }')" = libllmz.so.0 ]
fi
if command -v nm >/dev/null 2>&1; then
    nm -D --defined-only "$D/usr/lib/libllmz.so.0" | awk '$2 ~ /^[TDBR]$/ { print $3 }' | sort >exported
    grep -o '\bllmz_[a-z0-9_]*(' "$ROOT/lib/llmz.h" | tr -d '(' | sort -u >declared
    check "the shared library exports exactly llmz.h's functions" same exported declared
fi

gen_text 20000 3 >t.txt
"$D/usr/bin/llmz" -c t.txt >t.llmz 2>/dev/null && "$D/usr/bin/llmzcat" t.llmz 2>/dev/null | cmp -s - t.txt
check "the installed llmz and llmzcat round-trip" [ $? -eq 0 ]

if command -v pkg-config >/dev/null 2>&1; then
    flags=$(PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$D" pkg-config --cflags --libs llmz)
    check "pkg-config --cflags --libs llmz" [ -n "$flags" ]
    check "pkg-config --modversion" [ "$(PKG_CONFIG_PATH="$D/usr/lib/pkgconfig" pkg-config --modversion llmz)" = \
        "$(sed -n 's/^#define LLMZ_VERSION_STRING "\(.*\)"/\1/p' "$ROOT/lib/llmz.h")" ]
else
    skip "pkg-config (not installed): flags by hand"
    flags="-I$D/usr/include -L$D/usr/lib -lllmz"
fi
# a sanitizer build (make asan-test) gives a library that needs the sanitizers' runtimes in the program too
if command -v nm >/dev/null 2>&1 && nm -D "$D/usr/lib/libllmz.so.0" 2>/dev/null | grep -q '__asan_'; then
    flags="$flags -fsanitize=address,undefined"
fi
# shellcheck disable=SC2086
if ${CC:-cc} -std=c11 -o prog "$ROOT/tests/cli/data/api_roundtrip.c" $flags 2>cc.log; then
    ok
    LD_LIBRARY_PATH="$D/usr/lib" ./prog t.txt >prog.out 2>&1
    rc=$?
    expect "a program linked against the installed libllmz.so round-trips" 0
    check "it says identical" grep -q '^identical' prog.out
    if command -v ldd >/dev/null 2>&1; then
        check "it uses the shared library" sh -c "LD_LIBRARY_PATH='$D/usr/lib' ldd ./prog | grep -q 'libllmz.so.0 => $D/usr/lib'"
    fi
else
    bad "build a program with the installed llmz.h and library" "$(head -n 3 cc.log)"
fi
if command -v man >/dev/null 2>&1; then
    MANWIDTH=80 man -l "$D/usr/share/man/man1/llmz.1" >man.txt 2>man.err
    check "man -l renders the installed page" [ -s man.txt ] && [ ! -s man.err ]
fi

# a prefix that cannot be written: make install fails and says so
: >notadir
mk DESTDIR="$W/notadir" PREFIX=/usr install >bad.log 2>&1
rc=$?
check "install into an unwritable prefix fails (exit $rc)" [ "$rc" -ne 0 ]
check "and says why" grep -q -i 'not a directory\|cannot\|permission' bad.log

mk DESTDIR="$D" PREFIX=/usr uninstall >/dev/null 2>&1
check "make uninstall" [ $? -eq 0 ]
check "uninstall leaves no files" [ -z "$(find "$D" ! -type d)" ]
finish
