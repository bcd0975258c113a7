#!/usr/bin/env bash
# Issue 32: every format at the speed of hashing, and the peer table. For each format
# osslsigncode verifies (PE, CAB, MSI, catalog, PowerShell script, APPX) one large signed
# file is built (SIZE_MIB of payload, 256 by default: this host's disk is shared), signed by
# osslsigncode 2.9 with the test PKI, and measured in one run:
# - authverify's CPU time (user + system, `perf stat -e task-clock`) against `openssl dgst
#   -sha256` over the same bytes, the two alternating ROUNDS times; best and median ratio;
# - authverify's peak RSS (`/usr/bin/time -f %M`);
# - `osslsigncode verify` on the same file (CPU time, best round), and signify 0.9.3 for PE
#   when scripts/bench-compare.sh has installed it into its venv.
#
#   scripts/bench-formats.sh                 # SIZE_MIB=256 ROUNDS=3
#   FORMATS="cab ps1" scripts/bench-formats.sh
#   FORMATS=msixbundle scripts/bench-formats.sh   # a bundle of two packages (not in the default set)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MIB=${SIZE_MIB:-256}
ROUNDS=${ROUNDS:-3}
FORMATS=${FORMATS:-pe cab msi cat ps1 appx payload}
CACHE=${AUTHVERIFY_CACHE:-$HOME/.cache/authverify}
DIR=$CACHE/bench-formats-$SIZE_MIB
TARGET=${CARGO_TARGET_DIR:-target}
AT=2026-06-01T00:00:00Z
ROOT=test-vectors/pki/root.crt
ROOT_PEM=test-vectors/pki/root.pem
CHAIN=test-vectors/pki/signer-chain.pem
KEY=crates/authverify-testgen/keys/leaf-rsa2048.pem
cargo build --release -q -p authverify-cli -p authverify-testgen
AV=$TARGET/release/authverify
mkdir -p "$DIR"

sign() { # unsigned signed
  osslsigncode sign -certs "$CHAIN" -key "$KEY" -h sha256 -time 1767225600 -in "$1" -out "$2" >/dev/null
  rm -f "$1"
}
payload() { # path: SIZE_MIB of random bytes
  head -c $((SIZE_MIB << 20)) /dev/urandom >"$1"
}
signed_pe() { # MiB path: a signed PE image of MiB (the test image, then random bytes)
  python3 - "$1" "$DIR/u.exe" <<'PY'
import os, sys
data = open("test-vectors/unsigned.exe", "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(data)
    left = (int(sys.argv[1]) << 20) - len(data)
    while left > 0:
        n = min(left, 1 << 20); f.write(os.urandom(n)); left -= n
PY
  sign "$DIR/u.exe" "$2"
}
build() { # format -> path of the signed file
  local out=$DIR/big.$1
  # A compound file's payload is walked only when it is named as a package.
  [ "$1" = payload ] && out=$DIR/big-payload.msi
  [ -f "$out" ] && { echo "$out"; return; }
  case $1 in
    pe)
      signed_pe "$SIZE_MIB" "$out" ;;
    cab)
      payload "$DIR/payload.bin"
      (cd "$DIR" && gcab -c -n u.cab payload.bin) && rm -f "$DIR/payload.bin"
      sign "$DIR/u.cab" "$out" ;;
    msi)
      payload "$DIR/payload.bin"
      cat >"$DIR/u.wxs" <<'WXS'
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Authverify Bench" Language="1033" Version="1.0.0" Manufacturer="Authverify" UpgradeCode="5a1e6b9e-8a8e-4a39-9d0c-7c3f4e1a9b21">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes" CompressionLevel="none"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="D" Name="Bench">
      <Component Id="C" Guid="3b2e1c4d-5f6a-4b7c-8d9e-0f1a2b3c4d5e"><File Id="F" Source="payload.bin"/></Component>
    </Directory></Directory></Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="C"/></Feature>
  </Product>
</Wix>
WXS
      (cd "$DIR" && wixl -o u.msi u.wxs) && rm -f "$DIR/payload.bin" "$DIR/u.wxs"
      sign "$DIR/u.msi" "$out" ;;
    payload)
      # An installer carrying four signed binaries of SIZE_MIB/4 MiB each (at 1024, each
      # is larger than payload::limits::MAX_MEMBER_BYTES: verified through a member
      # reader, never held): the package digest hashes the cabinet stream, and --payload
      # then each member's image, so the bytes are hashed twice and the floor is 2x.
      local each=$((SIZE_MIB / 4)) count=4 files=""
      for i in $(seq "$count"); do
        signed_pe "$each" "$DIR/p$i.bin"
        files+="<File Id=\"F$i\" Name=\"bench$i.exe\" Source=\"p$i.bin\"/>"
      done
      cat >"$DIR/u.wxs" <<WXS
<?xml version="1.0" encoding="utf-8"?>
<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi">
  <Product Id="*" Name="Authverify Bench" Language="1033" Version="1.0.0" Manufacturer="Authverify" UpgradeCode="5a1e6b9e-8a8e-4a39-9d0c-7c3f4e1a9b22">
    <Package InstallerVersion="200" Compressed="yes"/>
    <Media Id="1" Cabinet="data.cab" EmbedCab="yes"/>
    <Directory Id="TARGETDIR" Name="SourceDir"><Directory Id="ProgramFilesFolder"><Directory Id="D" Name="Bench">
      <Component Id="C" Guid="3b2e1c4d-5f6a-4b7c-8d9e-0f1a2b3c4d5f">$files</Component>
    </Directory></Directory></Directory>
    <Feature Id="Main" Level="1"><ComponentRef Id="C"/></Feature>
  </Product>
</Wix>
WXS
      (cd "$DIR" && wixl -o u.msi u.wxs) && rm -f "$DIR"/p*.bin "$DIR/u.wxs"
      sign "$DIR/u.msi" "$out" ;;
    cat)
      # A catalog of 15,000 members (as scripts/bench-catroot.sh writes them; one command
      # line holds them), not SIZE_MIB: its size is its list's.
      python3 - "$SIZE_MIB" "$DIR/members.txt" <<'PY'
import hashlib, sys
n = 15000
with open(sys.argv[2], "w") as f:
    for i in range(n):
        f.write(f"m{i}.dll:pe:{hashlib.sha256(i.to_bytes(8, 'little')).hexdigest()}\n")
PY
      xargs -x -a "$DIR/members.txt" "$TARGET/release/authverify-testgen" catalog "$out" sha256 >/dev/null
      rm -f "$DIR/members.txt" ;;
    ps1)
      python3 - "$SIZE_MIB" "$DIR/u.psm1" <<'PY'
import sys
line = "function Get-Bench%08d { param([string]$Name) Write-Output \"bench $Name\" }\r\n"
with open(sys.argv[2], "w", newline="") as f:
    n, i = int(sys.argv[1]) << 20, 0
    while n > 0:
        s = line % i; f.write(s); n -= len(s); i += 1
PY
      sign "$DIR/u.psm1" "$DIR/big.psm1"; mv "$DIR/big.psm1" "$out.psm1"; ln -sf "$out.psm1" "$out" ;;
    appx)
      python3 - "$SIZE_MIB" "$DIR/u.appx" <<'PY'
import importlib.util, os, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
big = os.urandom(int(sys.argv[1]) << 20)
m.payload = lambda: [("Assets/big.bin", big, zipfile.ZIP_STORED)]
m.package(__import__("pathlib").Path(sys.argv[2]))
PY
      sign "$DIR/u.appx" "$out" ;;
    msixbundle)
      # Two packages of SIZE_MIB/2 each (one stored member of random bytes), each signed,
      # stored in a bundle (make-appx-vectors.py's bundle_of) signed with the bundle SIP.
      local arch
      for arch in x64 x86; do
        python3 - "$((SIZE_MIB / 2))" "$DIR/u-$arch.msix" <<'PY'
import importlib.util, os, sys, zipfile
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
big = os.urandom(int(sys.argv[1]) << 20)
m.payload = lambda: [("Assets/big.bin", big, zipfile.ZIP_STORED)]
m.package(__import__("pathlib").Path(sys.argv[2]))
PY
        sign "$DIR/u-$arch.msix" "$DIR/Authverify.TestPackage_1.0.0.0_$arch.msix"
      done
      python3 - "$DIR" <<'PY'
import importlib.util, pathlib, sys
spec = importlib.util.spec_from_file_location("appx", "scripts/make-appx-vectors.py")
m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)
d = pathlib.Path(sys.argv[1])
names = ["Authverify.TestPackage_1.0.0.0_%s.msix" % a for a in ("x64", "x86")]
m.bundle_of(d / "u.msixbundle", [(n, d / n, n[-8:-5]) for n in names])
for n in names:
    (d / n).unlink()
PY
      sign "$DIR/u.msixbundle" "$out" ;;
  esac
  echo "$out"
}

# CPU milliseconds of a command, whatever its exit status (a verdict is printed apart).
cpu_ms() { { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null || true; } | grep task-clock | cut -d, -f1; }
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "%.2fx (median %.2fx)", v[1], v[int((NR+1)/2)]}'; }
VENV=$CACHE/signify-venv
# signify for the PE row (left out, with a dash, when pip cannot install it).
scripts/signify-venv.sh "$CACHE" || true
printf '| format | file | status | authverify CPU | openssl dgst CPU | ratio, best (median) | peak RSS | osslsigncode verify CPU | signify CPU |\n|---|---|---|---|---|---|---|---|---|\n'
for fmt in $FORMATS; do
  f=$(build "$fmt")
  real=$(readlink -f "$f")
  cat "$real" >/dev/null
  args=(verify --quiet --trust "$ROOT" --at "$AT" --format jsonl "$real")
  # The payload audit: the installer and every file it carries (every report line valid).
  [ "$fmt" = payload ] && args=(verify --quiet --payload --trust "$ROOT" --at "$AT" --format jsonl "$real")
  status=$("$AV" "${args[@]}" | grep -o '"status":"[a-z]*"' | head -1 | cut -d'"' -f4 || true)
  # A payload audit reports the installer and each member: every status, counted.
  [ "$fmt" = payload ] && status=$("$AV" "${args[@]}" | python3 -c 'import collections, json, sys
c = collections.Counter(json.loads(l)["status"] for l in sys.stdin)
print(", ".join(f"{n} {s}" for s, n in sorted(c.items())))' || true)
  ratios=(); best_av=""; best_o=""; best_ossl=""
  for _ in $(seq "$ROUNDS"); do
    a=$(cpu_ms "$AV" "${args[@]}"); o=$(cpu_ms openssl dgst -sha256 "$real")
    ratios+=("$(echo "$a / $o" | bc -l)")
    [ -z "$best_av" ] || [ "$(echo "$a < $best_av" | bc -l)" = 1 ] && best_av=$a
    [ -z "$best_o" ] || [ "$(echo "$o < $best_o" | bc -l)" = 1 ] && best_o=$o
    s=$(cpu_ms osslsigncode verify -CAfile "$ROOT_PEM" -in "$real")
    [ -z "$best_ossl" ] || [ "$(echo "$s < $best_ossl" | bc -l)" = 1 ] && best_ossl=$s
  done
  rss=$( { /usr/bin/time -f %M "$AV" "${args[@]}" >/dev/null; } 2>&1 | tail -1)
  ossl_ok=$(osslsigncode verify -CAfile "$ROOT_PEM" -in "$real" 2>&1 | grep -c '^Succeeded' || true)
  sig="—"
  if [ "$fmt" = pe ] && [ -x "$VENV/bin/python" ] && [ -f "$CACHE/signify-bench.py" ]; then
    sig="$(cpu_ms "$VENV/bin/python" "$CACHE/signify-bench.py" "$ROOT_PEM" "$real") ms, verified $("$VENV/bin/python" "$CACHE/signify-bench.py" "$ROOT_PEM" "$real" 2>/dev/null | tail -1)"
  fi
  printf '| %s | %d MiB | %s | %.0f ms | %.0f ms | %s | %d MB | %.0f ms (%s) | %s |\n' "$fmt" \
    $(( $(stat -c %s "$real") >> 20 )) "$status" "$best_av" "$best_o" "$(stats "${ratios[@]}")" \
    $((rss / 1024)) "$best_ossl" "$([ "$ossl_ok" -ge 1 ] && echo ok || echo fails)" "$sig"
done
