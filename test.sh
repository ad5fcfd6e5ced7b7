#!/usr/bin/env bash
# Runs every test of the workspace. Needs only the Rust toolchain (and, once the live-scan
# tests land, python3: this script installs what they need).
set -euo pipefail
cd "$(dirname "$0")"
cargo test --workspace --locked "$@"
