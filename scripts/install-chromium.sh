#!/usr/bin/env bash
# Installs Debian's chromium, which the HTML report test (tests/html_report.rs) drives headless.
# Idempotent: does nothing when /usr/bin/chromium is already there. Needs root (as in CI) and
# apt-get; says what is missing otherwise.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
    echo "install-chromium: $("$CHROMIUM" --version 2>/dev/null || echo chromium) is already installed"
    exit 0
fi

fail() {
    echo "install-chromium: $*" >&2
    echo "install-chromium: the HTML report test needs $CHROMIUM; install Debian's chromium package, or set SNAPGUARD_SKIP_BROWSER_TESTS=1 to skip that test" >&2
    exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "apt-get not found: this script installs chromium on Debian or Ubuntu only"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    fail "must run as root (or with sudo available) to install packages"
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update || fail "apt-get update failed"
"${SUDO[@]}" apt-get install -y --no-install-recommends chromium || fail "apt-get install chromium failed"

[ -x "$CHROMIUM" ] || fail "the chromium package installed, but $CHROMIUM is missing"
echo "install-chromium: installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
