#!/usr/bin/env bash
# Installs Debian's headless Chromium for the dashboard's browser test (tests/Balancer.Client.AspNetCore.Tests).
# Idempotent and quiet: does nothing when /usr/bin/chromium is there. Never fails the caller: when it cannot install,
# it says why and exits 0, and the browser test is reported as skipped with the reason.
# Playwright drives this Chromium through ExecutablePath; Playwright's own browser download is never used.
set -u

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-browser: apt-get is not available; install chromium by hand to run the dashboard's browser test."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-browser: not root and no password-less sudo; install chromium by hand to run the dashboard's browser test."
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get update -qq >/dev/null 2>&1; then
  echo "install-browser: apt-get update failed; the dashboard's browser test will be skipped."
  exit 0
fi

if ! $sudo apt-get install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null 2>&1; then
  echo "install-browser: could not install chromium; the dashboard's browser test will be skipped."
  exit 0
fi

echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)."
exit 0
