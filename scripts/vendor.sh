#!/usr/bin/env bash
# Refreshes the CSS foundation vendored into the binary (crates/hallway-web/static/vendor)
# from the npm registry, at the pinned version. The files are committed: building hallway
# never needs the network.
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.0.1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "modern-normalize@$version" --silent >/dev/null && tar xzf "modern-normalize-$version.tgz")
cp "$tmp/package/modern-normalize.css" crates/hallway-web/static/vendor/modern-normalize.css
cp "$tmp/package/license" crates/hallway-web/static/vendor/modern-normalize.LICENSE
echo "vendored modern-normalize $version"
