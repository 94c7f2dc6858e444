#!/usr/bin/env bash
# The Docker storage docs' copy-on-write walk-through, with strata: two images that share
# their base layers, stored once, then five containers from one of them, each only a thin
# writable layer.
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

names=(my_container_1 my_container_2 my_container_3 my_container_4 my_container_5)
strata rm -f "${names[@]}" >/dev/null 2>&1 || true # what an interrupted earlier run left
echo
echo "== five containers from acme/my-final-image:1.0"
for name in "${names[@]}"; do strata run -dit --name "$name" acme/my-final-image:1.0 sh; done
echo
strata ps -s
echo
echo "== what each container costs on disk: its writable layer (the image's layers are shared)"
for name in "${names[@]}"; do
  printf '%s\t%s\n' "$name" "$(du -sh "$(strata inspect -f '{{.GraphDriver.Data.UpperDir}}' "$name")" | cut -f1)"
done
echo
echo "== a write in my_container_1"
strata exec my_container_1 sh -c "printf 'hello world\n' > /app/x"
strata ps -s
echo
echo "== strata diff my_container_1"
strata diff my_container_1
echo
strata rm -f "${names[@]}"
echo
echo "== strata run --rm acme/my-final-image:1.0"
strata run --rm acme/my-final-image:1.0
