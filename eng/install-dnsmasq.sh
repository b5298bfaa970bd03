#!/usr/bin/env bash
# Installs dnsmasq (Debian package dnsmasq-base: the binary only, no system service) for the DNS SRV endpoint source's
# tests (tests/Balancer.Client.Dns.Tests), which start their own instances on free 127.0.0.1 ports.
# Idempotent and quiet: does nothing when dnsmasq is installed. Never fails the caller: when it cannot install, it says
# why and exits 0, and the tests that need dnsmasq are reported as skipped.
set -u
source "$(dirname "$0")/lib/apt.sh"

if command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ]; then
  exit 0
fi

instead="install dnsmasq-base by hand to run the DNS tests (skipped otherwise)."
apt_ready install-dnsmasq "$instead" || exit 0
apt_update install-dnsmasq "$instead" || exit 0
apt_run install-dnsmasq "$instead" install -y -qq --no-install-recommends dnsmasq-base || exit 0

echo "install-dnsmasq: installed $( (command -v dnsmasq >/dev/null 2>&1 && dnsmasq --version || /usr/sbin/dnsmasq --version) 2>/dev/null | head -n 1)."
exit 0
