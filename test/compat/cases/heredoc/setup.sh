#!/bin/sh
# Files for Dockerfile.docker (the heredoc-free twin used on the Docker side).
set -e
mkdir -p heredoc-files
printf 'copied from a heredoc\nsecond line\n' > heredoc-files/copied.txt
printf 'file a\n' > heredoc-files/A
printf 'file b\n' > heredoc-files/B
chmod 0644 heredoc-files/*
