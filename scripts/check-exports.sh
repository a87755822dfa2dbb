#!/usr/bin/env bash
# Exports the demo conference in every schedule format and checks each with a tool that is
# not ours: xmllint against the c3voc XSD, check-jsonschema against the c3voc JSON Schema,
# Python's icalendar parser for the .ics; then imports each export into a fresh database
# and checks that the same number of sessions comes back.
# Usage: scripts/check-exports.sh [path/to/hallway]   (default: target/debug/hallway)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/hallway}
schemas=crates/hallway-formats/tests/schemas
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HALLWAY_LOG=warn

"$bin" demo --no-serve --attendees 0 --db "sqlite://$tmp/demo.db" >/dev/null
for f in xml json ics csv; do
  "$bin" export --db "sqlite://$tmp/demo.db" --conference demo --format "$f" -o "$tmp/demo.$f"
done
xmllint --noout --schema "$schemas/voc-schedule.xml.xsd" "$tmp/demo.xml"
check-jsonschema --schemafile "$schemas/voc-schedule-json-schema.json" "$tmp/demo.json"
python3 - "$tmp/demo.ics" <<'PY'
import sys
import icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
events = [c for c in cal.walk("VEVENT")]
zones = [c for c in cal.walk("VTIMEZONE")]
assert zones, "no VTIMEZONE"
for e in events:
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "URL"):
        assert e.get(prop) is not None, f"{e.get('UID')}: no {prop}"
    assert e.decoded("DTEND") >= e.decoded("DTSTART"), e.get("UID")
assert len({str(e["UID"]) for e in events}) == len(events), "UIDs repeat"
print(f"{sys.argv[1]}: {len(events)} events, {len(zones)} VTIMEZONE, parsed by icalendar {icalendar.__version__}")
PY
expected=$(grep -c '<event ' "$tmp/demo.xml")
for f in xml json ics csv; do
  out=$("$bin" import --db "sqlite://$tmp/back-$f.db" --conference demo --format "$f" "$tmp/demo.$f")
  echo "$out" | grep -q " $expected sessions" || { echo "re-import of demo.$f: $out"; exit 1; }
  echo "demo.$f imports back with $expected sessions"
done
