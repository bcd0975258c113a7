#!/usr/bin/env bash
# Issue 18: a million files in constant memory. Hard links to one signed vector, 1,000
# folders of 1,000 (a directory is read whole to order it, so one huge folder would cost
# its entries; see crates/authverify-fleet/src/stream.rs), verified in every format with the
# output to /dev/null: peak RSS (goal <= 64 MB) and the time until the first report reaches
# stdout (goal <= 1 s).
# Usage: scripts/bench-million.sh            (N=1000000; N=100000 for a shorter run)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
PER=1000
DIR=${DIR:-${AUTHVERIFY_CACHE:-$HOME/.cache/authverify}/million-$N}
AT=2026-06-01T00:00:00Z
ROOT=test-vectors/pki/root.crt
cargo build --release -q -p authverify-cli
AV=target/release/authverify
if [ ! -f "$DIR/.done" ]; then
  rm -rf "$DIR"
  python3 - "$DIR" "$N" "$PER" <<'PY'
import os, sys
out, n, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out)
data = open("test-vectors/pe32plus-rsa2048-sha256.exe", "rb").read()
LINKS = 50_000  # ext4 allows 65,000 links per inode: one source file per 50,000 links
for i in range(n):
    if i % LINKS == 0:
        src = os.path.join(out, f"source-{i // LINKS}.exe")
        with open(src, "wb") as g:
            g.write(data)
    d = os.path.join(out, "set", f"d{i // per:05d}")
    if i % per == 0:
        os.makedirs(d)
    os.link(src, os.path.join(d, f"f{i % per:04d}.exe"))
open(os.path.join(out, ".done"), "w").close()
PY
fi
echo "$N files (hard links) in $DIR/set"
for fmt in jsonl json text; do
  first=$(python3 - "$AV" "$ROOT" "$AT" "$fmt" "$DIR/set" <<'PY'
import subprocess, sys, time
av, root, at, fmt, d = sys.argv[1:]
t = time.monotonic()
p = subprocess.Popen([av, "verify", "--quiet", "--trust", root, "--at", at, "--format", fmt, d], stdout=subprocess.PIPE)
p.stdout.read(1)
print(f"{time.monotonic() - t:.3f}")
p.kill(); p.wait()
PY
)
  stats=$( { /usr/bin/time -f "%e %M" "$AV" verify --quiet --trust "$ROOT" --at "$AT" --format "$fmt" "$DIR/set" >/dev/null; } 2>&1 | tail -1)
  read -r secs kb <<<"$stats"
  printf '%-6s first report after %s s; whole run %s s (%.0f files/s); peak RSS %d MB\n' \
    "$fmt" "$first" "$secs" "$(echo "$N / $secs" | bc -l)" "$((kb / 1024))"
done
