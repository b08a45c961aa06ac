#!/bin/sh
# Installs Debian's chromium for the browser test (test/browser/report.test.ts) when it is missing.
# Non-interactive; exits 0 with a message when apt is unavailable (the browser test then skips itself).
set -eu

CHROMIUM=/usr/bin/chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium present: $CHROMIUM"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not available: install chromium yourself (expected at $CHROMIUM); the browser test is skipped without it"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo -n"
  else
    echo "not root and no password-less sudo: run 'apt-get install chromium' as root; the browser test is skipped without it"
    exit 0
  fi
fi

echo "installing chromium with apt-get (non-interactive)…"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium

if [ -x "$CHROMIUM" ]; then
  echo "chromium installed: $CHROMIUM"
else
  echo "apt-get finished but $CHROMIUM is missing" >&2
  exit 1
fi
