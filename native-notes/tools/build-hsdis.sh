#!/bin/sh
# Builds hsdis-amd64.so, HotSpot's disassembler plugin for -XX:+PrintAssembly, from hsdis-cs.c (ours, ~30 lines
# over the capstone library) into the directory given as the only argument.
#
#   sudo apt-get install gcc libcapstone-dev      # Debian/Ubuntu; capstone 4.x or 5.x
#   native-notes/tools/build-hsdis.sh "$HOME/hsdis"
#   LD_LIBRARY_PATH="$HOME/hsdis" java -XX:+UnlockDiagnosticVMOptions -XX:+PrintAssembly ...
#
# HotSpot looks for hsdis-amd64.so on the library path (and in the JDK's lib/ directory); the plugin links
# libcapstone dynamically, so the runtime package (libcapstone4 or 5) must stay installed.
set -eu
if [ $# -ne 1 ]; then
    echo "usage: $0 OUTPUT_DIR" >&2
    exit 2
fi
out=$1
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
gcc -O2 -fPIC -shared -o "$out/hsdis-amd64.so" "$here/hsdis-cs.c" -lcapstone
echo "built $out/hsdis-amd64.so"
