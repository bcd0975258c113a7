#!/usr/bin/env bash
# A copied CatRoot, synthesised: CATALOGS catalogs of MEMBERS members each (default 67 x
# 15,000 = 1,005,000 hashes, about 460 MB of .cat files, the size of a large Windows
# CatRoot), written by `authverify-testgen catalog` and signed by the test leaf; one member
# is the SHA-256 of hit.txt. Then `authverify verify --catalogs DIR hit.txt miss.txt`, timed
# with /usr/bin/time: wall time and peak resident set of indexing every catalog and two
# lookups (hit.txt must be valid through its catalog, miss.txt unsigned). With
# BASELINE=/path/to/other/authverify the same run is timed for that binary too.
#
#   scripts/bench-catroot.sh [CATALOGS] [MEMBERS]
set -euo pipefail
cd "$(dirname "$0")/.."
CATALOGS=${1:-67}
MEMBERS=${2:-15000}
DIR=target/bench-catroot/${CATALOGS}x${MEMBERS}
cargo build -q --release -p authverify-testgen -p authverify-cli
mkdir -p "$DIR/cats"
printf 'catalogued\r\n' >"$DIR/hit.txt"
printf 'not catalogued\r\n' >"$DIR/miss.txt"
if [ ! -f "$DIR/cats/done" ]; then
  python3 - "$DIR" "$CATALOGS" "$MEMBERS" <<'PY'
import hashlib, pathlib, subprocess, sys
out, catalogs, members = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
hit = hashlib.sha256((out / "hit.txt").read_bytes()).hexdigest()
for c in range(catalogs):
    listed = [f"f{c}_{i}.inf:flat:{hashlib.sha256(f'{c}-{i}'.encode()).hexdigest()}" for i in range(members)]
    if c == catalogs // 2:
        listed[members // 2] = f"hit.txt:flat:{hit}"
    subprocess.run(["target/release/authverify-testgen", "catalog", str(out / "cats" / f"c{c:04}.cat"), "sha256", *listed], check=True)
PY
  touch "$DIR/cats/done"
fi
echo "$(du -sh "$DIR/cats" | cut -f1) of catalogs in $DIR/cats"
measure() { # BINARY
  /usr/bin/time -f "%e s wall, %M KB peak RSS" "$1" verify --quiet --format jsonl --at 2026-06-01T00:00:00Z \
    --trust test-vectors/pki/root.crt --catalogs "$DIR/cats" "$DIR/hit.txt" "$DIR/miss.txt" \
    >"$DIR/out.jsonl" 2>"$DIR/err.txt" || true
  python3 - "$DIR/out.jsonl" <<'PY'
import json, sys
got = [json.loads(l)["status"] for l in open(sys.argv[1])]
if got != ["valid", "unsigned"]:
    sys.exit(f"bench-catroot: expected hit.txt valid and miss.txt unsigned, got {got}")
PY
  echo "$1: $(grep -- '--catalogs:' "$DIR/err.txt" | sed 's/authverify: --catalogs: //'); $(tail -1 "$DIR/err.txt")"
}
measure target/release/authverify
if [ -n "${BASELINE:-}" ]; then
  measure "$BASELINE"
fi
