#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png with Playwright driving Debian's Chromium against a fresh
# demo built by the release binary: the main pages on a phone and a desktop, logged out and in.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
cargo build --release -q -p hallway
(cd e2e && npm ci --no-audit --no-fund --silent)
HALLWAY_BIN="$PWD/target/release/hallway" node e2e/screenshots.mjs
