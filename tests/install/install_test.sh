#!/bin/sh
# Install the built tree into a temporary prefix, then, from that prefix:
#  1. build the README's example with `pkg-config --cflags --libs ftrt`
#     (shared) and with `ftrt-static` (libftrt.a), run both: "4000 items";
#  2. check that the static one does not load libftrt.so;
#  3. check the build-mode guard: the same program compiled with the headers
#     of another mode must fail to link, naming the mode's symbol;
#  4. check that ftrt.pc names no absolute library path.
set -eu
builddir=$1
readme=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
# Files land in $prefix/stage/<configured prefix>.
meson install -C "$builddir" --no-rebuild --destdir "$prefix/stage" >/dev/null
pc=$(find "$prefix" -name ftrt.pc | head -n 1)
[ -n "$pc" ] || { echo "ftrt.pc not installed"; exit 1; }
pcdir=$(dirname "$pc")
# Re-point the prefix of the staged .pc files at the staging directory.
for f in "$pcdir"/ftrt.pc "$pcdir"/ftrt-static.pc; do
    orig=$(sed -n 's/^prefix=//p' "$f")
    sed "s|^prefix=.*|prefix=$prefix/stage$orig|" "$f" > "$f.tmp" && mv "$f.tmp" "$f"
done
if grep -E '^Libs.*(^| )/' "$pc"; then
    echo "ftrt.pc names an absolute library path"; exit 1
fi
export PKG_CONFIG_PATH="$pcdir"
libdir=$(pkg-config --variable=libdir ftrt)
incdir=$(pkg-config --variable=includedir ftrt)

# The README's example: the first ```c block after "## Using it".
sed -n '/^## Using it/,$p' "$readme" | sed -n '/^```c$/,/^```$/p' | sed '1d;$d' > "$prefix/example.c"
grep -q 'ft_runtime_init' "$prefix/example.c" || { echo "no example in README"; exit 1; }

cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags ftrt) "$prefix/example.c" \
    -o "$prefix/example-shared" $(pkg-config --libs ftrt)
out=$(LD_LIBRARY_PATH="$libdir" "$prefix/example-shared")
[ "$out" = "4000 items" ] || { echo "shared example printed '$out'"; exit 1; }

cc -std=c11 -Wall -Wextra -Werror $(pkg-config --cflags ftrt-static) "$prefix/example.c" \
    -o "$prefix/example-static" $(pkg-config --libs ftrt-static)
if ldd "$prefix/example-static" | grep -q libftrt; then
    echo "ftrt-static linked the shared library"; exit 1
fi
out=$("$prefix/example-static")
[ "$out" = "4000 items" ] || { echo "static example printed '$out'"; exit 1; }

# Build-mode guard: headers of another mode, same library.
mode=$(sed -n 's/^#define FT_MODE_NAME "\(.*\)"/\1/p' "$incdir/ftrt/config.h")
other=gil; [ "$mode" = gil ] && other=ft
mkdir -p "$prefix/other/ftrt"
sed -e "s/^#define FT_MODE_FT .*/#define FT_MODE_FT $([ $other = ft ] && echo 1 || echo 0)/" \
    -e "s/^#define FT_MODE_GIL .*/#define FT_MODE_GIL $([ $other = gil ] && echo 1 || echo 0)/" \
    -e "s/^#define FT_MODE_ATOMIC .*/#define FT_MODE_ATOMIC 0/" \
    "$incdir/ftrt/config.h" > "$prefix/other/ftrt/config.h"
if cc -std=c11 -I"$prefix/other" $(pkg-config --cflags ftrt) "$prefix/example.c" \
       -o "$prefix/example-mixed" $(pkg-config --libs ftrt) 2>"$prefix/mixed.log"; then
    echo "a program built with mode $other's headers linked against a $mode library"; exit 1
fi
grep -q "ft_abi_mode_$other" "$prefix/mixed.log" || { cat "$prefix/mixed.log"; exit 1; }
echo "install test passed: README example built with ftrt and ftrt-static, ran; mode guard holds"
