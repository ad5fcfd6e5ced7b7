#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/TARGET/, not committed) from the fixtures, so
# that libFuzzer starts from real inputs: `./seed.sh && cargo +nightly fuzz run TARGET`.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../fixtures
mkdir -p corpus/iam_input corpus/config corpus/recorded_inventory corpus/times
for f in $(find "$fixtures/iam-check" "$fixtures/iam-cases" -type f \( -name '*.json' -o -name '*.yaml' \)); do
  cp "$f" "corpus/iam_input/$(echo "${f#"$fixtures"/}" | tr / _)"
done
i=0
for f in $(find "$fixtures" -name snapguard.toml | sort); do cp "$f" "corpus/config/$i.toml"; i=$((i + 1)); done
# recorded_inventory: the first byte picks the file (in sorted order) that the rest replaces.
template="$fixtures/cases/SG-SHARE-003/fail-public-snapshot/inventory"
i=0
for f in $(cd "$template" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); do
  { printf "\\$(printf '%03o' "$i")"; cat "$template/$f"; } > "corpus/recorded_inventory/$i"
  i=$((i + 1))
done
printf '2024-05-01T12:00:00.000Z' > corpus/times/timestamp
printf '1d12h' > corpus/times/duration
