#!/usr/bin/env bash
# The README's promise, proved: `cargo test --workspace` passes in a clean clone of the
# committed tree with no real-world corpus, no osslsigncode and no network (tests that need
# them say SKIPPED on stderr). Run by .ci/run before the full run (issue 13).
#
# Usage: scripts/fresh-clone-test.sh [--in-place]
# Dependencies are fetched first (that is the toolchain's own download, not the tests'),
# then the tests run with CARGO_NET_OFFLINE, an empty AUTHVERIFY_CACHE and a PATH that has
# every command but osslsigncode.
# --in-place (CI, whose checkout is itself a fresh clone): the tests run in this checkout,
# which must have no changes and no untracked files, so that the build is the one the rest
# of CI reuses instead of a second build of every workspace crate.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

in_place=false
if [[ ${1:-} == --in-place ]]; then
  in_place=true
  if [[ -n $(cd "$root" && git status --porcelain) ]]; then
    echo "fresh-clone-test --in-place: the checkout has changes or untracked files: testing a clone of its commit instead" >&2
    in_place=false
  fi
fi
if $in_place; then
  repo=$root
else
  git clone -q "$root" "$work/repo"
  repo=$work/repo
fi
(cd "$repo" && cargo fetch -q)

mkdir -p "$work/empty-cache" "$work/bin"
IFS=: read -ra dirs <<< "$PATH"
for d in "${dirs[@]}"; do
  for f in "$d"/*; do
    n=${f##*/}
    [[ $n == osslsigncode || -e $work/bin/$n ]] && continue
    ln -s "$f" "$work/bin/$n" 2>/dev/null || true
  done
done
if PATH="$work/bin" command -v osslsigncode >/dev/null; then
  echo "fresh-clone-test: could not hide osslsigncode" >&2
  exit 1
fi

cd "$repo"
# The target directory is shared with the main run so that dependencies build once.
status=0
env -u AUTHVERIFY_REQUIRE_EXTRAS \
  AUTHVERIFY_CACHE="$work/empty-cache" \
  PATH="$work/bin" \
  CARGO_NET_OFFLINE=true \
  CARGO_TARGET_DIR="$root/target" \
  cargo test --workspace >"$work/log" 2>&1 || status=$?
grep -E '^(SKIPPED|test result)' "$work/log" || true
# The workspace's own artifacts were built from the clone's paths (tests embed
# CARGO_MANIFEST_DIR) and cargo would reuse them for this checkout, whose sources are older:
# remove them, keeping the dependencies built once.
if ! $in_place; then
  (cd "$root" && cargo clean -q -p authverify -p authverify-cli -p authverify-testgen \
    -p authverify-fuzz-entry -p authverify-benches)
fi
if [[ $status -ne 0 ]]; then
  tail -n 80 "$work/log"
  echo "fresh-clone-test: cargo test --workspace failed without the extras" >&2
  exit 1
fi
echo "fresh-clone-test: passed with no corpus, no osslsigncode, no network ($(grep -c '^SKIPPED' "$work/log") skips, listed above)"
