#!/bin/sh
# Install the built tree into a temporary prefix, then compile and run a
# consumer program with `pkg-config --cflags --libs ftrt` from that prefix.
set -eu
builddir=$1
consumer=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
# Files land in $prefix/stage/<configured prefix>.
meson install -C "$builddir" --no-rebuild --destdir "$prefix/stage" >/dev/null
pc=$(find "$prefix" -name ftrt.pc | head -n 1)
[ -n "$pc" ] || { echo "ftrt.pc not installed"; exit 1; }
pcdir=$(dirname "$pc")
# Re-point the prefix of the staged .pc at the staging directory.
orig=$(sed -n 's/^prefix=//p' "$pc")
sed "s|^prefix=.*|prefix=$prefix/stage$orig|" "$pc" > "$pcdir/ftrt-staged.pc"
mv "$pcdir/ftrt-staged.pc" "$pc"
cflags=$(PKG_CONFIG_PATH="$pcdir" pkg-config --cflags ftrt)
libs=$(PKG_CONFIG_PATH="$pcdir" pkg-config --libs ftrt)
libdir=$(PKG_CONFIG_PATH="$pcdir" pkg-config --variable=libdir ftrt)
cc -std=c11 -Wall -Wextra -Werror $cflags "$consumer" -o "$prefix/consumer" $libs
LD_LIBRARY_PATH="$libdir" "$prefix/consumer"
echo "install test passed: consumer built with pkg-config and ran"
