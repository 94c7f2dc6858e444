#!/bin/sh
# git keeps neither hardlinks nor owners: make them here (cwd = the build context).
set -e
mkdir -p linked
echo "linked in context" > linked/one
ln -f linked/one linked/two
echo "alone" > linked/three
