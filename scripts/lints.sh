#!/usr/bin/env bash
# The lint gate .ci/run applies (formatting, clippy on every target, rustdoc warnings, the
# library without its default features), runnable alone before a commit.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p authverify
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps -p authverify-fleet
cargo build -p authverify --no-default-features
