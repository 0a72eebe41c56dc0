#!/bin/sh
# Runs Drive with PrintAssembly for the given kernel methods and writes the whole log to LOG.
#
#   native-notes/tools/asm.sh LOG METHODS KERNEL DIM MEMORY [MILLIS] [extra JVM flags...]
#
#   METHODS  comma-separated SimdKernels method names, e.g. scaledSquaredDistanceSliced,meanUpdateSliced
#   KERNEL, DIM, MEMORY, MILLIS  as for Drive (mean|dot|linear, floats, native|heap, run time in ms)
#   extra JVM flags, e.g. -XX:MaxVectorSize=32 for the 256-bit kernels
#
# Environment: JAVA25 (a JDK 25 home, required), HSDIS (directory holding hsdis-amd64.so, from
# build-hsdis.sh), CLASSES (the library's classes, default target/classes), DRIVE (directory to compile
# Drive.java into, default native-notes-drive under $TMPDIR, or the system temporary directory). Run from the repository root.
set -eu
if [ $# -lt 5 ]; then
    sed -n '2,13p' "$0" >&2
    exit 2
fi
log=$1; methods=$2; kernel=$3; dim=$4; memory=$5
shift 5
millis=3000
if [ $# -gt 0 ]; then
    case $1 in [0-9]*) millis=$1; shift ;; esac
fi
: "${JAVA25:?set JAVA25 to a JDK 25 home}"
: "${HSDIS:?set HSDIS to the directory holding hsdis-amd64.so (tools/build-hsdis.sh DIR)}"
classes=${CLASSES:-target/classes}
drive=${DRIVE:-${TMPDIR:-/tmp}/native-notes-drive}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$drive"
"$JAVA25/bin/javac" -cp "$classes" -d "$drive" "$here/Drive.java"
cmds=""
old_ifs=$IFS; IFS=,
for m in $methods; do
    cmds="$cmds -XX:CompileCommand=print,io.clipstream.internal.kernel.SimdKernels::$m"
done
IFS=$old_ifs
# shellcheck disable=SC2086
LD_LIBRARY_PATH="$HSDIS" "$JAVA25/bin/java" --add-modules jdk.incubator.vector -cp "$classes:$drive" \
    -XX:+UnlockDiagnosticVMOptions -XX:PrintAssemblyOptions=intel $cmds "$@" \
    Drive "$kernel" "$dim" "$memory" "$millis" > "$log" 2>&1
grep -E '^kernels=|^calls=' "$log"
