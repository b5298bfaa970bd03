#!/usr/bin/env bash
# Installs etcd (Debian package etcd-server, binary /usr/bin/etcd) for the tests of Balancer.Client.Etcd.
# Idempotent: does nothing when etcd is installed. Never fails the caller: when it cannot install, it says why and
# exits 0, and the etcd tests are reported as skipped with the reason.
# The package's own service is neither started nor left running: the tests start their own etcd processes, each with
# a temporary data directory and free 127.0.0.1 ports.
set -u

stop_system_service() {
  # A system etcd (started by the package on an earlier install) would hold 127.0.0.1:2379: stop and disable it.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet etcd 2>/dev/null; then
    $sudo systemctl disable --now etcd >/dev/null 2>&1 || true
  fi
  if command -v service >/dev/null 2>&1 && [ -x /etc/init.d/etcd ]; then
    $sudo service etcd stop >/dev/null 2>&1 || true
  fi
}

sudo=""
if [ -x /usr/bin/etcd ] || command -v etcd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo -n"; fi
  stop_system_service
  echo "install-etcd: etcd is already installed ($( (/usr/bin/etcd --version 2>/dev/null || etcd --version 2>/dev/null) | head -n 1))."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-etcd: apt-get is not available; install etcd by hand to run the etcd tests (they are skipped)."
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-etcd: not root and no password-less sudo; install etcd-server by hand to run the etcd tests (they are skipped)."
    exit 0
  fi
fi

# Keep the package from starting its system service on installation (policy-rc.d exit code 101 = "not allowed").
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  if printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null 2>&1 && $sudo chmod +x "$policy"; then
    created_policy=1
  fi
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then $sudo rm -f "$policy"; fi; }
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
if ! $sudo apt-get -o DPkg::Lock::Timeout=120 update -qq >/dev/null 2>&1; then
  echo "install-etcd: apt-get update failed; the etcd tests will be skipped."
  exit 0
fi

if ! $sudo apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends etcd-server >/dev/null 2>&1; then
  echo "install-etcd: could not install etcd-server; the etcd tests will be skipped."
  exit 0
fi

stop_system_service
echo "install-etcd: installed $(/usr/bin/etcd --version 2>/dev/null | head -n 1)."
exit 0
