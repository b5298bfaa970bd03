#!/usr/bin/env bash
# Installs Debian's headless Chromium for the dashboard's browser test (tests/Balancer.Client.AspNetCore.Tests).
# Idempotent and quiet: does nothing when /usr/bin/chromium is there. Never fails the caller: when it cannot install,
# it says why and exits 0, and the browser test is reported as skipped with the reason.
# Playwright drives this Chromium through ExecutablePath; Playwright's own browser download is never used.
set -u
source "$(dirname "$0")/lib/apt.sh"

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

instead="install chromium by hand to run the dashboard's browser test (skipped otherwise)."
apt_ready install-browser "$instead" || exit 0
apt_update install-browser "$instead" || exit 0
apt_run install-browser "$instead" install -y -qq --no-install-recommends chromium chromium-driver fonts-dejavu-core || exit 0

echo "install-browser: installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)."
exit 0
