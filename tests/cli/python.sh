#!/bin/sh
# tests/cli/python.sh -- the Python module (python/llmz.py) and the Dask recipe (tools/dask_compress.py): runs
# tests/python/run.py with Debian's python3 over the shared library `make test` builds ($BUILD/libllmz.so.*).
# Skips cleanly without python3; the Dask test skips itself without python3-distributed.
. "$(dirname "$0")/lib.sh"

PY=
for p in /usr/bin/python3 python3; do
    if command -v "$p" >/dev/null 2>&1; then
        PY=$p
        break
    fi
done
if [ -z "$PY" ]; then
    skip "python3 is not installed"
    finish
fi
SO=$(ls "$BUILD"/libllmz.so.*.*.* 2>/dev/null | sort -V | tail -n 1) # the newest by number: 0.10.0 after 0.9.0
if [ -z "$SO" ]; then
    bad "the shared library" "no $BUILD/libllmz.so.*.*.*: make shared (make test builds it)"
    finish
fi
# make asan-test: a library built with the sanitizers loads only into a process that starts with their runtimes
# (the runtimes may be NEEDED, or left to the executable: then only the library's undefined __asan_ / __ubsan_ /
# __tsan_ symbols show it)
if readelf -d "$SO" 2>/dev/null | grep -q 'libasan\|libubsan\|libtsan' ||
    readelf --dyn-syms "$SO" 2>/dev/null | grep -q 'UND.*__\(asan\|ubsan\|tsan\)_'; then
    skip "the library is built with sanitizers ($SO): the Python tests run in make test"
    finish
fi
# the runner prints the result line ("N passed, N failed") itself
LLMZ_LIB=$SO LLMZ=$LLMZ PYTHONDONTWRITEBYTECODE=1 "$PY" "$ROOT/tests/python/run.py" 2>&1
