#!/usr/bin/env bash
# Issue 32: the per-file cost of verifying small files against OpenSSL's cost of the same
# work, on one core, in one run. The set: N small signed images (authverify-testgen
# small-set: 8-23 KB, every one signed by an RSA-4096 leaf under a cached chain, SHA-256, no
# timestamp), so that once the chain is cached each file needs one RSA-4096 verification
# and SHA-256 of its bytes. OpenSSL's side is benches/openssl/same_work.c doing exactly that
# per file (open, fstat, one read, SHA-256, one RSA-4096 verification).
#
#   scripts/bench-smallfiles.sh                 # N=1000, ROUNDS=9
#   BASELINE=/path/to/older/authverify scripts/bench-smallfiles.sh
#   CALLGRIND=1 scripts/bench-smallfiles.sh     # also user-space instruction counts
#
# The evidence, each measured for both sides in the same run:
# - CPU time (user + system, `perf stat -e task-clock`) of N files minus that of one file
#   (start-up excluded), per file; the sides alternate ROUNDS times and the script prints
#   the best and the median of the per-round ratios (this host is shared: wall clock is
#   not used, and a round's two sides run minutes apart at most).
# - system calls per file (`strace -c -f`), which load does not change.
# - with CALLGRIND=1, instructions executed in user space (valgrind hides SHA-NI, so both
#   sides hash in software there: the count is repeatable, the hashing share is not the
#   real one).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000}
ROUNDS=${ROUNDS:-9}
CACHE=${AUTHVERIFY_CACHE:-$HOME/.cache/authverify}
SET=$CACHE/small-set-$N
TARGET=${CARGO_TARGET_DIR:-target}
AT=2026-06-01T00:00:00Z
KEY=crates/authverify-testgen/keys/leaf-rsa4096.pem

cargo build --release -q -p authverify-cli -p authverify-testgen
AV=$TARGET/release/authverify
"$TARGET/release/authverify-testgen" small-set "$SET" "$N" >/dev/null
OSSL=$CACHE/openssl-same-work
cc -O2 -o "$OSSL" benches/openssl/same_work.c -lcrypto
mapfile -t FILES < <(ls "$SET"/files/*.exe)
ONE=${FILES[0]}
ARGS=(verify --quiet --jobs 1 --trust "$SET/root.pem" --at "$AT" --format jsonl)
valid=$("$AV" "${ARGS[@]}" "$SET/files" | grep -c '"status":"valid"' || true)
[ "$valid" = "$N" ] || { echo "authverify: $valid of $N valid; fix the set first"; exit 1; }
"$OSSL" "$KEY" "${FILES[@]}" >/dev/null || { echo "same_work failed"; exit 1; }
cat "${FILES[@]}" >/dev/null
echo "set: $N files, $(cat "${FILES[@]}" | wc -c) bytes, RSA-4096 leaf; $(openssl version)"

cpu_ms() { perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1; }
per_file_us() { # CMD_N... -- CMD_1...
  local n=() one=()
  while [ "$1" != -- ]; do n+=("$1"); shift; done; shift; one=("$@")
  local a b
  a=$(cpu_ms "${n[@]}"); b=$(cpu_ms "${one[@]}")
  echo "($a - $b) * 1000 / ($N - 1)" | bc -l
}
sides=(openssl authverify)
[ -n "${BASELINE:-}" ] && sides+=(baseline)
declare -A cost
ratios=(); base_ratios=()
for r in $(seq "$ROUNDS"); do
  o=$(per_file_us "$OSSL" "$KEY" "${FILES[@]}" -- "$OSSL" "$KEY" "$ONE")
  a=$(per_file_us "$AV" "${ARGS[@]}" "$SET/files" -- "$AV" "${ARGS[@]}" "$ONE")
  line=$(printf 'round %d: openssl %6.1f us/file, authverify %6.1f us/file (%.2fx)' "$r" "$o" "$a" "$(echo "$a / $o" | bc -l)")
  ratios+=("$(echo "$a / $o" | bc -l)")
  cost[openssl]+="$o "; cost[authverify]+="$a "
  if [ -n "${BASELINE:-}" ]; then
    b=$(per_file_us "$BASELINE" "${ARGS[@]}" "$SET/files" -- "$BASELINE" "${ARGS[@]}" "$ONE")
    line+=$(printf ', baseline %6.1f us/file (%.2fx)' "$b" "$(echo "$b / $o" | bc -l)")
    base_ratios+=("$(echo "$b / $o" | bc -l)"); cost[baseline]+="$b "
  fi
  echo "$line"
done
stats() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {printf "best %.2fx, median %.2fx", v[1], v[int((NR+1)/2)]}'; }
best_us() { printf '%s\n' $1 | sort -g | head -1; }
echo
printf 'CPU per file (best round): openssl %.1f us, authverify %.1f us; ratio %s\n' \
  "$(best_us "${cost[openssl]}")" "$(best_us "${cost[authverify]}")" "$(stats "${ratios[@]}")"
[ -n "${BASELINE:-}" ] && printf 'baseline %.1f us; ratio %s\n' "$(best_us "${cost[baseline]}")" "$(stats "${base_ratios[@]}")"

echo
echo "system calls per file (strace -c -f, $N files):"
syscalls() { strace -c -f -o /tmp/bench-smallfiles.strace "$@" >/dev/null 2>&1 || true
  awk -v n="$N" '$NF ~ /^[a-z_0-9]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ {c[$NF]=$4}
    END {for (k in c) if (c[k] >= n / 10) printf "  %-12s %6.2f\n", k, c[k] / n}' /tmp/bench-smallfiles.strace | sort; }
echo " openssl same_work:"; syscalls "$OSSL" "$KEY" "${FILES[@]}"
echo " authverify --jobs 1:"; syscalls "$AV" "${ARGS[@]}" "$SET/files"
if [ -n "${BASELINE:-}" ]; then echo " baseline --jobs 1:"; syscalls "$BASELINE" "${ARGS[@]}" "$SET/files"; fi

if [ -n "${CALLGRIND:-}" ]; then
  echo
  ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null | awk '/Collected/ {print $NF}'; }
  o=$(( ($(ir "$OSSL" "$KEY" "${FILES[@]}") - $(ir "$OSSL" "$KEY" "$ONE")) / (N - 1) ))
  a=$(( ($(ir "$AV" "${ARGS[@]}" "$SET/files") - $(ir "$AV" "${ARGS[@]}" "$ONE")) / (N - 1) ))
  line="user-space instructions per file (callgrind): openssl $o, authverify $a ($(echo "scale=2; $a / $o" | bc -l)x)"
  if [ -n "${BASELINE:-}" ]; then
    b=$(( ($(ir "$BASELINE" "${ARGS[@]}" "$SET/files") - $(ir "$BASELINE" "${ARGS[@]}" "$ONE")) / (N - 1) ))
    line+=", baseline $b ($(echo "scale=2; $b / $o" | bc -l)x)"
  fi
  echo "$line"
fi
