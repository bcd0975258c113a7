#!/usr/bin/env bash
# Windows, tested on Linux (issue 16): cross-builds the CLI for x86_64-pc-windows-gnu (mingw
# linker), runs the CLI's whole test suite under wine (cargo's target runner; the Windows-only
# tests/windows_paths.rs among them), then compares the Windows binary's results with the
# Linux build's: the README's main job byte for byte, every vector's verdict in output order,
# and every real-world file's verdict when the corpus is fetched (paths compared with / for \).
# Installs what it needs (Debian packages, the Rust target). Exit 0 when all pass.
#
# Wine 8 lacks bcryptprimitives.dll!ProcessPrng, which Rust's std imports on Windows; a
# test-only DLL (tests-windows/) implements it with RtlGenRandom and is put beside the test
# executables, never shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64 wine64 >/dev/null
fi
rustup target add x86_64-pc-windows-gnu >/dev/null
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$PWD/target/wineprefix}
shim() { # DIR: the test-only ProcessPrng shim beside the executables in DIR
  mkdir -p "$1"
  x86_64-w64-mingw32-gcc -shared -O2 -o "$1/bcryptprimitives.dll" \
    tests-windows/bcryptprimitives.c tests-windows/bcryptprimitives.def -ladvapi32
}

# Lints for the Windows-only code (--trust system's CryptoAPI calls), then the CLI's tests,
# executed by wine.
cargo clippy -q -p authverify-cli --target x86_64-pc-windows-gnu --all-targets -- -D warnings
cargo test -q -p authverify-cli --target x86_64-pc-windows-gnu --no-run
shim target/x86_64-pc-windows-gnu/debug
shim target/x86_64-pc-windows-gnu/debug/deps
# UNC paths (tests/windows_paths.rs:unc_paths): wine serves \\SERVER\SHARE\... from the prefix's
# dosdevices/unc/SERVER/SHARE, so each drive gets the administrative share Windows would have
# (\\localhost\Z$ for Z:); AUTHVERIFY_UNC_SHARE makes the test fail, not skip, without it.
[ -d "$WINEPREFIX/dosdevices" ] || wineboot -i >/dev/null 2>&1 || true
for drive in "$WINEPREFIX"/dosdevices/?:; do
  [ -e "$drive" ] || continue
  letter=$(basename "$drive" | tr -d : | tr '[:lower:]' '[:upper:]')
  mkdir -p "$WINEPREFIX/dosdevices/unc/localhost"
  ln -sfn "$(readlink -f "$drive")" "$WINEPREFIX/dosdevices/unc/localhost/$letter\$"
done
CARGO_TARGET_X86_64_PC_WINDOWS_GNU_RUNNER=wine AUTHVERIFY_UNC_SHARE=localhost \
  cargo test -p authverify-cli --target x86_64-pc-windows-gnu

# The binaries of both systems on the same inputs: the debug builds the tests just used
# (a verdict does not depend on the profile, and release builds would add minutes to CI).
cargo build -q -p authverify-cli --target x86_64-pc-windows-gnu
cargo build -q -p authverify-cli
out=target/x86_64-pc-windows-gnu/debug
win() { wine "$out/authverify.exe" "$@" 2>/dev/null; }
lin() { target/debug/authverify "$@" 2>/dev/null; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
main=(verify --trust test-vectors/demo/offline-root-store --summary test-vectors/demo/signed/)
win "${main[@]}" >"$tmp/win.txt" || true
lin "${main[@]}" >"$tmp/lin.txt" || true
cmp "$tmp/win.txt" "$tmp/lin.txt"
echo "main job: identical output"
vec=(verify --quiet --at 2026-06-01T00:00:00Z --trust test-vectors/pki/root.crt --format jsonl test-vectors/)
win "${vec[@]}" >"$tmp/win.jsonl" || true
lin "${vec[@]}" >"$tmp/lin.jsonl" || true
python3 - "$tmp/win.jsonl" "$tmp/lin.jsonl" <<'PY'
import json, sys
w = [(d["path"].replace("\\", "/"), d["status"]) for d in map(json.loads, open(sys.argv[1]))]
l = [(d["path"], d["status"]) for d in map(json.loads, open(sys.argv[2]))]
if w != l or not l:
    sys.exit(f"vectors differ: {[(a, b) for a, b in zip(w, l) if a != b][:5]} ({len(w)} vs {len(l)})")
print(f"vectors: {len(l)} files, same verdicts in the same order")
PY
corpus=${AUTHVERIFY_CACHE:-$HOME/.cache/authverify}/real-world
if [ -d "$corpus" ] && [ -n "$(ls -A "$corpus" 2>/dev/null)" ]; then
  rw=(verify --quiet --at 2026-11-25T00:00:00Z --trust builtin --trust test-vectors/trust/uefi-db --format jsonl "$corpus")
  win "${rw[@]}" >"$tmp/win-rw.jsonl" || true
  lin "${rw[@]}" >"$tmp/lin-rw.jsonl" || true
  python3 - "$tmp/win-rw.jsonl" "$tmp/lin-rw.jsonl" <<'PY'
import json, os, sys
w = [(os.path.basename(d["path"].replace("\\", "/")), d["status"]) for d in map(json.loads, open(sys.argv[1]))]
l = [(os.path.basename(d["path"]), d["status"]) for d in map(json.loads, open(sys.argv[2]))]
if w != l or not l:
    sys.exit(f"real-world verdicts differ: {[(a, b) for a, b in zip(w, l) if a != b][:5]} ({len(w)} vs {len(l)})")
print(f"real-world corpus: {len(l)} files, same verdicts in the same order")
PY
else
  echo "SKIPPED real-world comparison: corpus not fetched (scripts/fetch-real-world.py)"
fi
