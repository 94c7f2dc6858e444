#!/bin/sh
# Archives whose root entry (./) has a non-root owner and an unusual mode, one without a root
# entry, one with only implied parents, and a tar under a name that does not say so.
set -e
mkdir -p src/sub
echo hi > src/sub/f
echo top > src/t
chmod 0700 src
chmod 0750 src/sub
chmod 2755 src/t
tar --numeric-owner --owner=1000 --group=1001 -C src -cf root.tar .
gzip -9 -n -c root.tar > root.tgz
cp root.tar data.bin
tar --numeric-owner --owner=1000 --group=1001 -C src -cf noroot.tar sub/f t
mkdir -p implied/a/b
echo abc > implied/a/b/c.txt
chmod 0640 implied/a/b/c.txt
tar --numeric-owner --owner=42 --group=43 -C implied -cf implied.tar a/b/c.txt
rm -rf src implied
