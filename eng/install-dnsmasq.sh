#!/usr/bin/env bash
# Installs dnsmasq (Debian package dnsmasq-base: the binary only, no system service) for the DNS SRV endpoint source's
# tests (tests/Balancer.Client.Dns.Tests), which start their own instances on free 127.0.0.1 ports.
# Idempotent and quiet: does nothing when dnsmasq is installed. Never fails the caller: when it cannot install, it says
# why and exits 0, and the tests that need dnsmasq are reported as skipped.
set -u

if command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-dnsmasq: apt-get is not available; install dnsmasq by hand to run the DNS tests (skipped otherwise)."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-dnsmasq: not root and no password-less sudo; install dnsmasq-base by hand to run the DNS tests (skipped otherwise)."
    exit 0
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Another installation may hold the package lock for a while: wait for it rather than fail.
lock="-o DPkg::Lock::Timeout=300"
if ! output=$($sudo apt-get $lock update -qq 2>&1); then
  echo "install-dnsmasq: apt-get update failed ($(printf '%s' "$output" | tail -n 1)); the DNS tests will be skipped."
  exit 0
fi

if ! output=$($sudo apt-get $lock install -y -qq --no-install-recommends dnsmasq-base 2>&1); then
  echo "install-dnsmasq: apt-get install dnsmasq-base failed ($(printf '%s' "$output" | tail -n 1)); the DNS tests will be skipped."
  exit 0
fi

echo "install-dnsmasq: installed $( (command -v dnsmasq >/dev/null 2>&1 && dnsmasq --version || /usr/sbin/dnsmasq --version) 2>/dev/null | head -n 1)."
exit 0
