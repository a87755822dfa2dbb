#!/usr/bin/env bash
# Peak memory of a burst of sign-ups (issue 18, item 1): starts `hallway serve` on a fresh
# SQLite database at the default Argon2 cost (19 MiB, 2 passes), sends N sign-ups with C in
# flight (curl), and reports the answers by status and the server's peak resident memory
# (VmHWM) and wall time. Each sign-up hashes a password; the server bounds how many hashes
# run at once, so its peak must not grow with C.
#
#   bench/signup-memory.sh [--bin target/release/hallway] [--signups 256] [--concurrency 64]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/hallway signups=256 concurrency=64
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --signups) signups="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
  esac
done
[ -x "$bin" ] || cargo build --release -p hallway
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$bin" serve --db "sqlite://$dir/hallway.db" --listen 127.0.0.1:0 >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$dir/log" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { cat "$dir/log"; exit 1; }
start_rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
t0=$(date +%s.%N)
seq 1 "$signups" | xargs -P "$concurrency" -I{} curl -s -o /dev/null -w '%{http_code}\n' \
  -H 'content-type: application/json' \
  -d "{\"email\":\"burst{}@bench.invalid\",\"password\":\"correct horse battery\",\"name\":\"Burst {}\"}" \
  "${url}api/v1/auth/signup" >"$dir/codes"
t1=$(date +%s.%N)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
echo "binary: $bin"
echo "sign-ups: $signups, in flight: $concurrency, cores: $(nproc)"
echo "answers: $(sort "$dir/codes" | uniq -c | awk '{printf "%s x %s  ", $1, $2}')"
echo "RSS before: $((start_rss / 1024)) MiB, peak (VmHWM): $((peak / 1024)) MiB"
echo "wall: $(echo "$t1 - $t0" | bc) s"
