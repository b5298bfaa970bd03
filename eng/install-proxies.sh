#!/usr/bin/env bash
# Installs HAProxy and nginx for the scenario lab's optional proxy contenders (tests/Balancer.Client.Lab).
# Idempotent: does nothing when both are installed. Never fails the caller: when it cannot install, it says why
# and exits 0, and the lab skips the proxies with a message.
# The packages' own services are not started (the lab starts its own instances on free 127.0.0.1 ports).
set -u

need=()
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx)
if [ ${#need[@]} -eq 0 ]; then
  echo "install-proxies: haproxy and nginx are already installed."
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-proxies: apt-get is not available; install ${need[*]} by hand to enable the proxy contenders."
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo -n"
  else
    echo "install-proxies: not root and no password-less sudo; install ${need[*]} by hand to enable the proxy contenders."
    exit 0
  fi
fi

# Keep the packages from starting their system services on installation (policy-rc.d exit code 101 = "not allowed").
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
if ! $sudo apt-get update -qq; then
  echo "install-proxies: apt-get update failed; the proxy contenders will be skipped."
  exit 0
fi

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
