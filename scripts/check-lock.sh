#!/usr/bin/env bash
# Fails when package-lock.json is out of sync with the package.json files (for any platform:
# npm ci checks every optional platform package the lock must list), as a fresh `npm ci` would.
#   scripts/check-lock.sh [DIR]   DIR: the project to check (default: this one)
set -euo pipefail
cd "${1:-$(dirname "$0")/..}"
if ! out=$(npm ci --dry-run --ignore-scripts --no-audit --no-fund 2>&1); then
  printf '%s\n' "$out" | grep -E '^npm error (Missing|Invalid|code|`npm ci`)' >&2 || true
  echo "check-lock: package-lock.json is out of sync with package.json; run 'npm install' and commit the lock file" >&2
  exit 1
fi
echo "check-lock: package-lock.json is in sync"
