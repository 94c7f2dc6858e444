#!/bin/sh
set -e
mkdir -p dir/sub modes/private
echo one > one.txt
echo two > two.txt
echo deep > dir/sub/deep.txt
echo top > dir/top.txt
echo x > modes/exec && chmod 0755 modes/exec
echo y > modes/private/secret && chmod 0600 modes/private/secret && chmod 0700 modes/private
