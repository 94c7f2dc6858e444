#!/usr/bin/env bash
# The Docker storage docs' copy-on-write walk-through, with strata: two images that share
# their base layers, stored once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
strata() { "$here/../../packages/cli/bin/strata" "$@"; }

strata load -i "$here/../.base/busybox.tar"
strata build --progress plain -t acme/my-base-image:1.0 -f "$here/Dockerfile.base" "$here"
strata build --progress plain -t acme/my-final-image:1.0 -f "$here/Dockerfile" "$here"
echo
strata images
echo
echo "== history of acme/my-base-image:1.0"
strata history acme/my-base-image:1.0
echo
echo "== history of acme/my-final-image:1.0 (the same layers, stored once)"
strata history acme/my-final-image:1.0
echo
echo "== how the final image differs from the base (exit 1: they differ)"
strata compare acme/my-base-image:1.0 acme/my-final-image:1.0 || [ $? -eq 1 ]
