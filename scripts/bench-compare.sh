#!/usr/bin/env bash
# Compares authverify with `openssl dgst -sha256`, an `osslsigncode verify` loop and signify
# on the same generated file set, in one run, and prints the ratios BENCHMARKS.md records.
#
#   scripts/bench-compare.sh            # 10,000 files; osslsigncode and signify on 500 of them
#   N=2000 SUB=200 scripts/bench-compare.sh
#
# The set is generated once (crates/authverify-testgen bench-set) into
# ${AUTHVERIFY_CACHE:-~/.cache/authverify}/bench-set and never committed. Times are wall
# clock, best of 3 runs, warm page cache. osslsigncode and signify are slow enough that they
# run on the first SUB files; their per-file time is compared with authverify's per-file
# time over the whole set. signify is installed into a venv in the cache when pip can reach
# PyPI; it is skipped (and said so) otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
SUB=${SUB:-500}
CACHE=${AUTHVERIFY_CACHE:-$HOME/.cache/authverify}
SET=$CACHE/bench-set
AT=2026-06-01T00:00:00Z

cargo build --release -q -p authverify-cli -p authverify-testgen
AV=target/release/authverify
target/release/authverify-testgen bench-set "$SET" "$N" >/dev/null
ROOT=$SET/root.pem
mapfile -t FILES < <(ls "$SET"/files/*.exe | head -n "$N")
mapfile -t SUBSET < <(printf '%s\n' "${FILES[@]}" | head -n "$SUB")
BYTES=$(cat "${FILES[@]}" | wc -c)
echo "set: ${#FILES[@]} files, $BYTES bytes; cores: $(nproc)"

now() { date +%s.%N; }
# best_of CMD...: the fastest of 3 wall-clock runs, in seconds.
best_of() {
  local best=""
  for _ in 1 2 3; do
    local t0 t1 d
    # Exit 1 is a verdict (some file not valid, an osslsigncode failure); anything else is a
    # crash or a usage error and must not be reported as a timing.
    local rc=0
    t0=$(now); "$@" >/dev/null 2>&1 || rc=$?; t1=$(now)
    if [ "$rc" -gt 1 ]; then
      echo "best_of: '$*' exited $rc" >&2
      exit 1
    fi
    d=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || [ "$(echo "$d < $best" | bc -l)" = 1 ]; then best=$d; fi
  done
  echo "$best"
}
ratio() { echo "scale=2; $1 / $2" | bc -l; }

# Warm the page cache.
cat "${FILES[@]}" >/dev/null

t_openssl=$(best_of bash -c 'printf "%s\0" "$@" | xargs -0 openssl dgst -sha256' _ "${FILES[@]}")
t_av1=$(best_of "$AV" verify --quiet --jobs 1 --trust "$ROOT" --at "$AT" --format jsonl "$SET/files")
t_avn=$(best_of "$AV" verify --quiet --trust "$ROOT" --at "$AT" --format jsonl "$SET/files")
valid=$("$AV" verify --quiet --trust "$ROOT" --at "$AT" --format jsonl "$SET/files" | grep -c '"status":"valid"' || true)
echo "authverify: $valid of ${#FILES[@]} valid"

# One osslsigncode process per file, trusting the set's root for the signer and the TSA
# (without -TSA-CAfile it fails the timestamp and takes 4x longer).
ok=$(osslsigncode verify -CAfile "$ROOT" -TSA-CAfile "$ROOT" -in "${SUBSET[0]}" 2>/dev/null | grep -c '^Succeeded' || true)
[ "$ok" = 1 ] || { echo "osslsigncode does not verify the set: fix the comparison first"; exit 1; }
t_ossl_sub=$(best_of bash -c 'root=$1; shift; for f in "$@"; do osslsigncode verify -CAfile "$root" -TSA-CAfile "$root" -in "$f" >/dev/null 2>&1; done' _ "$ROOT" "${SUBSET[@]}")

VENV=$CACHE/signify-venv
t_signify_sub=""
if scripts/signify-venv.sh "$CACHE"; then
  sig_ok=$("$VENV/bin/python" "$CACHE/signify-bench.py" "$ROOT" "${SUBSET[0]}" 2>&1 | tail -1)
  echo "signify on one file: $sig_ok verified (1 expected)"
  t_signify_sub=$(best_of "$VENV/bin/python" "$CACHE/signify-bench.py" "$ROOT" "${SUBSET[@]}")
fi

per_file_av=$(echo "$t_avn / ${#FILES[@]}" | bc -l)
per_file_av1=$(echo "$t_av1 / ${#FILES[@]}" | bc -l)
per_file_ossl=$(echo "$t_ossl_sub / ${#SUBSET[@]}" | bc -l)
echo
echo "== ${#FILES[@]} files =="
printf 'openssl dgst -sha256 (all files)      %8.2f s\n' "$t_openssl"
printf 'authverify --jobs 1                    %8.2f s   (%s x openssl)\n' "$t_av1" "$(ratio "$t_av1" "$t_openssl")"
printf 'authverify (all cores)                 %8.2f s   (%s x openssl; %s x speed-up over 1 thread)\n' "$t_avn" "$(ratio "$t_avn" "$t_openssl")" "$(ratio "$t_av1" "$t_avn")"
printf 'osslsigncode verify loop (%s files)   %8.2f s   -> %.1f ms/file; authverify %.2f ms/file (1 thread %.2f): %s x faster\n' \
  "${#SUBSET[@]}" "$t_ossl_sub" "$(echo "$per_file_ossl * 1000" | bc -l)" "$(echo "$per_file_av * 1000" | bc -l)" \
  "$(echo "$per_file_av1 * 1000" | bc -l)" "$(ratio "$per_file_ossl" "$per_file_av")"
if [ -n "$t_signify_sub" ]; then
  per_file_sig=$(echo "$t_signify_sub / ${#SUBSET[@]}" | bc -l)
  printf 'signify (one process, %s files)       %8.2f s   -> %.1f ms/file: %s x faster\n' \
    "${#SUBSET[@]}" "$t_signify_sub" "$(echo "$per_file_sig * 1000" | bc -l)" "$(ratio "$per_file_sig" "$per_file_av")"
else
  echo "signify: skipped (could not install signify==0.9.3 into $VENV)"
fi

# One large file: a generated 256 MiB image signed by osslsigncode, and the real node.exe.
BIG=$CACHE/bench-big
mkdir -p "$BIG"
KEY=crates/authverify-testgen/keys/root-rsa2048.pem
CERT=test-vectors/pki/root.pem
make_big() { # size_mib name
  local out=$BIG/$2
  if [ ! -f "$out" ]; then
    python3 - "$1" "$BIG/$2.unsigned" <<'PY'
import sys, os
size = int(sys.argv[1]) << 20
data = open("test-vectors/unsigned.exe", "rb").read()
with open(sys.argv[2], "wb") as f:
    f.write(data)
    chunk = os.urandom(1 << 20)
    left = size - len(data)
    while left > 0:
        n = min(left, len(chunk)); f.write(chunk[:n]); left -= n
PY
    osslsigncode sign -certs "$CERT" -key "$KEY" -h sha256 -in "$BIG/$2.unsigned" -out "$out" >/dev/null
    rm -f "$BIG/$2.unsigned"
  fi
  echo "$out"
}
big=$(make_big 256 big-256m.exe)
cat "$big" >/dev/null
t_big_openssl=$(best_of openssl dgst -sha256 "$big")
t_big_av=$(best_of "$AV" verify --quiet --trust "$CERT" --at "$AT" "$big")
big_status=$("$AV" verify --quiet --trust "$CERT" --at "$AT" --format jsonl "$big" | grep -o '"status":"[a-z]*"' | tail -1 || true)
echo
echo "== one large file =="
printf '256 MiB generated (%s): authverify %.3f s, openssl dgst %.3f s: %s x\n' "$big_status" "$t_big_av" "$t_big_openssl" "$(ratio "$t_big_av" "$t_big_openssl")"
NODE=$CACHE/real-world/node-win-x86-22.23.2__node.exe
if [ -f "$NODE" ]; then
  cat "$NODE" >/dev/null
  t_node_openssl=$(best_of openssl dgst -sha256 "$NODE")
  t_node_av=$(best_of "$AV" verify --quiet --at 2026-11-25T00:00:00Z "$NODE")
  printf 'node.exe (%s bytes): authverify %.3f s, openssl dgst %.3f s: %s x\n' "$(wc -c <"$NODE")" "$t_node_av" "$t_node_openssl" "$(ratio "$t_node_av" "$t_node_openssl")"
else
  echo "node.exe: not fetched (scripts/fetch-real-world.py)"
fi

# Peak memory.
big2=$(make_big 2048 big-2g.exe)
rss_big=$( { /usr/bin/time -f %M "$AV" verify --quiet --trust "$CERT" --at "$AT" "$big2" >/dev/null || true; } 2>&1 | tail -1)
rss_set=$( { /usr/bin/time -f %M "$AV" verify --quiet --trust "$ROOT" --at "$AT" --format jsonl "$SET/files" >/dev/null || true; } 2>&1 | tail -1)
echo
echo "== peak RSS =="
echo "2 GiB file: $((rss_big / 1024)) MiB"
echo "${#FILES[@]}-file set (JSON lines to /dev/null): $((rss_set / 1024)) MiB"
