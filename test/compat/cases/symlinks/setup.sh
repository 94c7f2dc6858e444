#!/bin/sh
set -e
mkdir -p links
echo target > links/target
ln -sf target links/to-target
ln -sf nowhere/at/all links/dangling
ln -sf /etc/passwd links/absolute
