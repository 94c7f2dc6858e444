#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for strata: system packages, npm dependencies, the build,
# and the busybox base image the examples and tests start from (no image can be pulled here).
#   scripts/setup.sh          what `strata build` needs
#   scripts/setup.sh --test   plus the oracles the tests compare against (Docker, skopeo, umoci, a registry)
set -euo pipefail
cd "$(dirname "$0")/.."

# conmon monitors detached containers, fuse-overlayfs gives the native snapshotter thin writable
# layers, tini is `run --init`, procps's ps is `strata top`.
packages=(runc busybox-static attr pigz zstd xz-utils bzip2 util-linux conmon fuse-overlayfs tini procps)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(docker.io skopeo umoci docker-registry openssl apache2-utils hyperfine time libcap2-bin iproute2 chromium)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules/.package-lock.json ]]; then
  # Plain `npm ci`: a lock file out of sync with package.json fails here, as in every CI template.
  npm ci --no-audit --no-fund
fi
npm run -s build
mkdir -p examples/.base
node packages/testkit/dist/make-busybox.js examples/.base/busybox.tar
echo "setup: done"
