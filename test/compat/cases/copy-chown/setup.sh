#!/bin/sh
set -e
mkdir -p files/sub
echo a > files/a.txt
echo b > files/b.txt
echo c > files/sub/c.txt
# context owners/modes that COPY must not carry over (it resets to 0:0 unless --chown)
chown 4321:4321 files/a.txt files/sub
chmod 0600 files/b.txt
chmod 0750 files/sub
