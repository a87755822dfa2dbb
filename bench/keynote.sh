#!/usr/bin/env bash
# The keynote-rush benchmark (issue 8): builds hallway and hallway-load, creates a fresh
# database with a 300-session conference, starts `hallway serve` (one or two instances),
# runs hallway-load (sign-ups, the /healthz ceiling, the rush, the read mix, invariants
# 1-3 in the database), stops the servers and cleans up. Exits with hallway-load's status:
# non-zero on any unexpected answer or broken invariant. See bench/README.md.
#
#   bench/keynote.sh [--attendees N] [--adds K] [--concurrency C] [--reads N] [--seed S]
#                    [--db postgres://USER@HOST/ANYDB] [--instances 1|2] [--smoke]
#                    [--label L] [--report | --no-report]
#
# --smoke: debug binaries (what `cargo test` built) and 300 attendees; no report file
# unless --report. Otherwise a release build and bench/results/<date>[-label].md + .svg.
# With --db postgres://…, a fresh database hallway_bench_<pid> is created on that server
# (psql) and dropped afterwards; without it, SQLite in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."

invocation="bench/keynote.sh${*:+ $*}"
attendees="" adds=6 concurrency=64 reads="" seed=1 db="" instances=1 smoke=0 label="" report=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --attendees) attendees="$2"; shift 2 ;;
    --adds) adds="$2"; shift 2 ;;
    --concurrency) concurrency="$2"; shift 2 ;;
    --reads) reads="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --db) db="$2"; shift 2 ;;
    --instances) instances="$2"; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --label) label="$2"; shift 2 ;;
    --report) report=1; shift ;;
    --no-report) report=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "keynote.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done
case "$instances" in 1|2) ;; *) echo "keynote.sh: --instances must be 1 or 2" >&2; exit 2 ;; esac
target_dir="${CARGO_TARGET_DIR:-target}"
if [ "$smoke" = 1 ]; then
  attendees="${attendees:-300}"
  reads="${reads:-100}"
  report="${report:-0}"
  # Debug binaries: after `cargo test` only hallway-load itself is left to compile.
  cargo build -q -p hallway -p hallway-load
  bin="$target_dir/debug"
  build="debug"
else
  attendees="${attendees:-12000}"
  report="${report:-1}"
  cargo build -q --release -p hallway -p hallway-load
  bin="$target_dir/release"
  build="release"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/hallway-bench.XXXXXX")"
pids=()
pg_admin="" pg_name=""
cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$pg_name" ]; then
    psql -q "$pg_admin" -c "DROP DATABASE IF EXISTS $pg_name WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$db" ]; then
  db_url="sqlite://$work/bench.db"
  backend="SQLite"
else
  case "$db" in
    postgres://*|postgresql://*) ;;
    *) echo "keynote.sh: --db must be a postgres:// URL (SQLite is the default)" >&2; exit 2 ;;
  esac
  # Same server and credentials, another database: the URL's last path segment replaced.
  server="${db%/*}"
  pg_admin="$server/postgres"
  pg_name="hallway_bench_$$"
  psql -q "$pg_admin" -c "CREATE DATABASE $pg_name" >/dev/null
  db_url="$server/$pg_name"
  backend="PostgreSQL"
fi

echo "keynote.sh: $backend, $instances instance(s), $build build; setting up" >&2
"$bin/hallway-load" schedule --sessions 300 --rooms 10 --days 3 --seed "$seed" >"$work/keynote.csv"
"$bin/hallway" import --publish --conference keynote --time-zone UTC --db "$db_url" "$work/keynote.csv" >"$work/import.log"

echo "keynote.sh: conference imported after ${SECONDS} s" >&2

# Cheap password hashes so that thousands of sign-ups take seconds (the rush is what is
# measured); no log-in limit for the one address all attendees come from.
export HALLWAY_ARGON2_MEMORY_KIB=64 HALLWAY_ARGON2_PASSES=1 HALLWAY_LOGIN_PER_IP_PER_MINUTE=100000000
export HALLWAY_LOG="${HALLWAY_LOG:-warn}"
bases=()
for i in $(seq 1 "$instances"); do
  "$bin/hallway" serve --db "$db_url" --listen 127.0.0.1:0 >"$work/serve$i.log" 2>&1 &
  pids+=("$!")
  base=""
  for _ in $(seq 1 300); do
    base="$(sed -n 's|^hallway is serving at \(http://[^ ]*\)/$|\1|p' "$work/serve$i.log" | head -n1)"
    [ -n "$base" ] && break
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [ -z "$base" ]; then
    echo "keynote.sh: instance $i did not start:" >&2
    cat "$work/serve$i.log" >&2
    exit 1
  fi
  bases+=("$base")
done

args=(run --conference keynote --attendees "$attendees" --adds "$adds" --concurrency "$concurrency"
  --seed "$seed" --db "$db_url" --serving "$backend, $instances instance(s), $build build"
  --command "$invocation")
[ -n "$reads" ] && args+=(--reads "$reads")
[ -n "$label" ] && args+=(--label "$label")
for b in "${bases[@]}"; do args+=(--base "$b"); done
for p in "${pids[@]}"; do args+=(--server-pid "$p"); done
if [ "$report" = 1 ]; then
  mkdir -p bench/results
  args+=(--out "bench/results/$(date -u +%F)${label:+-$label}.md")
fi

echo "keynote.sh: serving at ${bases[*]} after ${SECONDS} s" >&2
status=0
"$bin/hallway-load" "${args[@]}" || status=$?
echo "keynote.sh: done after ${SECONDS} s (hallway-load exit status $status)" >&2
if [ "$status" != 0 ]; then
  for i in $(seq 1 "$instances"); do
    echo "--- instance $i log (last lines)" >&2
    tail -n 20 "$work/serve$i.log" >&2
  done
fi
exit "$status"
