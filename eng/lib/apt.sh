# Shared by eng/install-*.sh (sourced, not run): install Debian packages for tests and the lab, quietly and without
# ever failing the caller. Each function prints why it cannot go on and returns 1; the script then exits 0 and the
# tests that need the program are reported as skipped with the reason.

# Checks that apt-get can be used (root, or password-less sudo) and sets $sudo. $1: script name, $2: what happens instead.
apt_ready() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "$1: apt-get is not available; $2"
    return 1
  fi

  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      echo "$1: not root and no password-less sudo; $2"
      return 1
    fi
  fi

  export DEBIAN_FRONTEND=noninteractive
}

# Runs apt-get with the given arguments, waiting for a package lock another installation holds.
# $1: script name, $2: what happens instead when it fails, then apt-get's arguments.
apt_run() {
  local name=$1 instead=$2 output
  shift 2
  if ! output=$($sudo apt-get -o DPkg::Lock::Timeout=300 "$@" 2>&1); then
    echo "$name: apt-get $* failed ($(printf '%s' "$output" | tail -n 1)); $instead"
    return 1
  fi
}

# Refreshes the package lists, unless another install script did within the last hour.
apt_update() {
  if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -mmin -60 2>/dev/null | head -n 1)" ]; then
    return 0
  fi
  apt_run "$1" "$2" update -qq
}

# Keeps packages from starting their system services while installing (policy-rc.d exit code 101 = "not allowed");
# the tests start their own instances on free 127.0.0.1 ports. Removed again when the script exits.
apt_no_service_start() {
  apt_policy=/usr/sbin/policy-rc.d
  apt_created_policy=0
  if [ ! -e "$apt_policy" ] && printf '#!/bin/sh\nexit 101\n' | $sudo tee "$apt_policy" >/dev/null 2>&1 && $sudo chmod +x "$apt_policy"; then
    apt_created_policy=1
  fi
  trap 'if [ "$apt_created_policy" -eq 1 ]; then $sudo rm -f "$apt_policy"; fi' EXIT
}
