#!/usr/bin/env bash
# Cross-builds the CLI for Windows (x86_64-pc-windows-gnu, mingw linker) and compares its
# results under wine with the Linux build: the README's main job byte for byte, and every
# vector's verdict in output order (paths compared with / for \). Groundwork for issue 16;
# installs what it needs (Debian packages, the Rust target). Exit 0 when identical.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v x86_64-w64-mingw32-gcc >/dev/null || ! command -v wine >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-mingw-w64-x86-64 wine64 >/dev/null
fi
rustup target add x86_64-pc-windows-gnu >/dev/null
export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
cargo build --release -q -p authverify-cli --target x86_64-pc-windows-gnu
cargo build --release -q -p authverify-cli
out=target/x86_64-pc-windows-gnu/release
x86_64-w64-mingw32-gcc -shared -O2 -o "$out/bcryptprimitives.dll" \
  tests-windows/bcryptprimitives.c tests-windows/bcryptprimitives.def -ladvapi32
export WINEDEBUG=-all WINEPREFIX=${WINEPREFIX:-$PWD/target/wineprefix}
win() { wine "$out/authverify.exe" "$@" 2>/dev/null; }
lin() { target/release/authverify "$@" 2>/dev/null; }
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
