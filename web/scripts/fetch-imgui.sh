#!/usr/bin/env bash
# Dear ImGui 1.86 sources for the wasm panel, from Debian's `imgui` source package
# (libimgui-dev ships only headers and an x86 library). Unpacks the upstream tarball into
# DEST (default build-wasm/imgui); does nothing if DEST/imgui.cpp is there already.
# Adds a deb-src entry for bookworm main (same URI and keyring as the deb entry) when
# apt has none, then `apt-get update` and `apt-get source --download-only imgui`.
set -euo pipefail
DEST=${1:-build-wasm/imgui}
[ -f "$DEST/imgui.cpp" ] && exit 0
SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
LIST=/etc/apt/sources.list.d/strider-deb-src.sources

# apt-get, retried while another process holds the apt lock.
apt_retry() {
  for attempt in $(seq 1 30); do
    if $SUDO apt-get "$@"; then return 0; fi
    echo "apt-get $1 failed (attempt $attempt; lock held?), retrying in 10 s" >&2
    sleep 10
  done
  return 1
}

if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    | $SUDO tee "$LIST" >/dev/null
fi
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
if ! apt-get source --download-only imgui >/dev/null 2>&1; then
  apt_retry update -qq
  apt-get source --download-only imgui
fi
cd - >/dev/null
mkdir -p "$DEST"
tar -xf "$WORK"/imgui_1.86*.orig.tar.* -C "$DEST" --strip-components=1
test -f "$DEST/imgui.cpp"
echo "imgui 1.86 sources in $DEST"
