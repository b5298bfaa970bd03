#!/usr/bin/env bash
# Installs HAProxy and nginx for the scenario lab's optional proxy contenders (tests/Balancer.Client.Lab).
# Idempotent: does nothing when both are installed. Never fails the caller: when it cannot install, it says why
# and exits 0, and the lab skips the proxies with a message.
# The packages' own services are not started (the lab starts its own instances on free 127.0.0.1 ports).
set -u
source "$(dirname "$0")/lib/apt.sh"

need=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-proxies: haproxy and nginx are already installed."
  exit 0
fi

instead="install ${need[*]} by hand to enable the proxy contenders (skipped otherwise)."
apt_ready install-proxies "$instead" || exit 0
apt_no_service_start
apt_update install-proxies "$instead" || exit 0

for package in "${need[@]}"; do
  if [ "$package" = "nginx" ]; then
    # nginx-light is the smallest build with the upstream 'random' module; newer releases only have nginx.
    if ! $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 \
      && ! $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null 2>&1; then
      echo "install-proxies: could not install nginx; the nginx contender will be skipped."
      continue
    fi
  elif ! $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1; then
    echo "install-proxies: could not install $package; the $package contender will be skipped."
    continue
  fi
  echo "install-proxies: installed $package."
done

command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] && haproxy -v 2>/dev/null | head -n 1
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] && nginx -v 2>&1 | head -n 1
exit 0
