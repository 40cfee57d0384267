#!/usr/bin/env bash
# Builds the two base images Pulseline's Dockerfiles start FROM, locally, where no registry can be pulled from:
#   node:20-bookworm-slim  Debian bookworm (debootstrap minbase) + this machine's Node.js 20 + the `node` user (uid 1000)
#   node:20-bookworm       the same + python3, make and g++ (better-sqlite3 builds from source in the build stage)
# They stand in for the Docker Official Images of the same names: same Debian release, same Node.js major, same
# user. The machine's own CA additions (/usr/local/share/ca-certificates) go in, because this machine reaches the
# npm registry only through a proxy that signs with them.
#
# Cached: an image is rebuilt only when its inputs change (the Node.js version, this script, the CA additions),
# recorded as a label on the image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${PODMAN:=podman}"

node_version="$(node --version)"
inputs_hash="$( { echo "$node_version $(npm --version)"; cat "$0" "$here/Containerfile.build"; cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true; } | sha256sum | cut -c1-16)"

current_label() { $PODMAN image inspect --format '{{ index .Config.Labels "org.pulseline.base" }}' "$1" 2>/dev/null || true; }

if [ "$(current_label node:20-bookworm-slim)" != "$inputs_hash" ]; then
  work="$(mktemp -d /var/tmp/pulseline-base.XXXXXX)"
  trap 'rm -rf "$work"' EXIT
  echo "base: debootstrap bookworm (minbase) into $work"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  rootfs="$work/rootfs"
  # Node.js: this machine's binary, its headers (node-gyp builds better-sqlite3 against them offline) and its
  # npm and corepack.
  echo "base: Node.js $node_version from this machine"
  mkdir -p "$rootfs/usr/include" "$rootfs/usr/lib/node_modules"
  cp -a "$(command -v node)" "$rootfs/usr/bin/node"
  cp -a /usr/include/node "$rootfs/usr/include/node"
  cp -a /usr/lib/node_modules/npm /usr/lib/node_modules/corepack "$rootfs/usr/lib/node_modules/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
  chroot "$rootfs" update-ca-certificates >/dev/null
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # Smaller image: apt lists and docs are not needed at run time.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  echo "base: importing node:20-bookworm-slim"
  tar -C "$rootfs" -c . | $PODMAN import \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "LABEL org.pulseline.base=$inputs_hash" \
    --change 'CMD ["node"]' \
    - node:20-bookworm-slim >/dev/null
else
  echo "base: node:20-bookworm-slim is current ($inputs_hash)"
fi

if [ "$(current_label node:20-bookworm)" != "$inputs_hash" ]; then
  echo "base: building node:20-bookworm (compilers for native addons)"
  $PODMAN build --pull=never --label "org.pulseline.base=$inputs_hash" -t node:20-bookworm -f "$here/Containerfile.build" "$here" >/dev/null
else
  echo "base: node:20-bookworm is current ($inputs_hash)"
fi
