#!/bin/sh
# PyTorch for a CPU dry run of tools/train/gpu_run_v3.sh on a machine without it (and without root or pip):
# downloads Debian's python3-torch (1.13) and python3-numpy with the dependencies this system lacks, unpacks
# them under DIR (no install), and prints the environment to use them.  About 200 MB of packages.
#
# usage: eval "$(tools/corpus/cpu_torch.sh [DIR])"; then PY=/usr/bin/python3 sh tools/train/gpu_run_v3.sh ...
set -eu
DIR=${1:-/work/corpus-data/torchenv}
mkdir -p "$DIR/debs" "$DIR/root"
if [ ! -f "$DIR/extracted" ]; then
    apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks --no-replaces \
        --no-enhances python3-torch 2>/dev/null | grep -v '^ ' | grep -v '^<' | sort -u > "$DIR/all.txt"
    dpkg-query -W -f '${Package}\n' | sort > "$DIR/installed.txt"
    comm -23 "$DIR/all.txt" "$DIR/installed.txt" |
        grep -v -E '^(fonts-|ttf-|gdal|cdebconf|install-info|lsb-base|libdebian-installer|libnewt|libtextwrap|xfonts)' \
        > "$DIR/want.txt"
    (cd "$DIR/debs" && apt-get download -q $(cat ../want.txt) > /dev/null 2>&1)
    for d in "$DIR"/debs/*.deb; do dpkg-deb -x "$d" "$DIR/root"; done
    touch "$DIR/extracted"
fi
echo "export PYTHONPATH=$DIR/root/usr/lib/python3/dist-packages"
echo "export LD_LIBRARY_PATH=$(find "$DIR/root" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')"
