#!/bin/sh
# Archives with owners, modes, a symlink and a hardlink inside; made here so git needn't keep them.
set -e
mkdir -p src/tree/sub
echo one > src/tree/one
echo two > src/tree/sub/two
chmod 0751 src/tree/sub
chmod 4755 src/tree/one
ln -sf one src/tree/link
ln -f src/tree/sub/two src/tree/hard
tar --numeric-owner --owner=1234 --group=5678 -C src -cf bundle.tar tree
gzip -9 -n -c bundle.tar > bundle.tar.gz
xz -c bundle.tar > bundle.tar.xz
echo "plain text, not gzip" > not-really.tar.gz
rm -rf src
