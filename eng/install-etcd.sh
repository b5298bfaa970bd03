#!/usr/bin/env bash
# Installs etcd (Debian package etcd-server, binary /usr/bin/etcd) for the tests of Balancer.Client.Etcd.
# Idempotent: does nothing when etcd is installed. Never fails the caller: when it cannot install, it says why and
# exits 0, and the etcd tests are reported as skipped with the reason.
# The package's own service is neither started nor left running: the tests start their own etcd processes, each with
# a temporary data directory and free 127.0.0.1 ports.
set -u
source "$(dirname "$0")/lib/apt.sh"

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

instead="install etcd-server by hand to run the etcd tests (they are skipped)."
apt_ready install-etcd "$instead" || exit 0
apt_no_service_start
apt_update install-etcd "$instead" || exit 0
apt_run install-etcd "$instead" install -y -qq --no-install-recommends etcd-server || exit 0

stop_system_service
echo "install-etcd: installed $(/usr/bin/etcd --version 2>/dev/null | head -n 1)."
exit 0
