#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png: builds the demo, serves it on a spare port and has
# headless Chromium (Debian's package) photograph the main pages at phone and desktop sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
out=docs/screenshots
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
cargo build --release -q
./target/release/hallway demo --db "sqlite://$tmp/demo.db" --listen 127.0.0.1:0 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do grep -q "serving at" "$tmp/out" 2>/dev/null && break; sleep 0.2; done
base=$(sed -n 's/^hallway is serving at \(.*\)\/$/\1/p' "$tmp/out")
[ -n "$base" ] || { cat "$tmp/err"; exit 1; }
shot() { # name width height path
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$tmp/chrome-$1" --hide-scrollbars --window-size="$2,$3" \
    --screenshot="$out/$1.png" "$base$4" >/dev/null 2>&1
}
shot home-desktop 1280 1500 /
shot program-desktop 1280 1100 /c/demo/program
shot program-list-phone 390 1400 "/c/demo/program?view=list"
shot events-desktop 1280 1400 /events
shot events-phone 390 1400 /events
shot session-phone 390 900 "/c/demo/sessions/120"
shot conference-desktop 1280 1200 /c/demo
echo "screenshots written to $out"
