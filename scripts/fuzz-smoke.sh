#!/usr/bin/env bash
# Builds every cargo-fuzz target and runs each for a short time box (default 60 s) from its
# committed corpus. A crash, panic, timeout (> 1 s), OOM (> 512 MB resident) or one allocation
# over 64 MB fails the run and prints the reproducer (path, size, hex) and the command that
# replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET=${1:-60}
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --locked -q cargo-fuzz
fi
# ASan needs a nightly feature; the stable toolchain unlocks it with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
# ASan keeps freed memory in a quarantine of 256 MB by default, which is most of a target's
# resident set (msi: 427 MB peak with it, 137 MB with 32 MB, measured over 150 s): a smaller
# quarantine leaves the 512 MB limit to catch our own growth. -malloc_limit_mb below fails
# any single allocation over 64 MB (inputs here are kilobytes: memory must follow them).
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32}
cargo fuzz build -O
status=0
# The targets are fuzz/Cargo.toml's [[bin]]s (the one list; replay.rs checks that the
# entry crate serves exactly these).
targets=$(cargo fuzz list)
for t in $targets; do
  mkdir -p "artifacts/$t"
  scratch=$(mktemp -d)
  # New inputs go to a scratch directory: the committed corpus stays as it is.
  if ! cargo fuzz run -O "$t" "$scratch" "corpus/$t" -- -dict=dict/authenticode.dict \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=1 -rss_limit_mb=512 -malloc_limit_mb=64 \
      -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$scratch.log" 2>&1; then
    status=1
    echo "fuzz target $t FAILED:"
    tail -n 40 "$scratch.log"
    for a in artifacts/"$t"/*; do
      [ -f "$a" ] || continue
      echo "reproducer $a ($(wc -c <"$a") bytes):"
      xxd "$a" | head -n 32
      echo "replay: (cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run -O $t $a)"
    done
  else
    echo "fuzz target $t: clean for ${SECONDS_PER_TARGET}s ($(grep -o 'stat::number_of_executed_units: [0-9]*' "$scratch.log" | tail -1 | cut -d' ' -f2) runs)"
  fi
  rm -rf "$scratch" "$scratch.log"
done
exit $status
