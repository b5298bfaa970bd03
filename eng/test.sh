#!/usr/bin/env bash
# Builds the whole solution (library, tests, samples, benchmarks), runs every test project, then packs the libraries
# and runs a throw-away application against the packages (eng/pack-smoke.sh).
# Ends with one line "N passed, N failed[, N skipped]"; exits non-zero when anything fails.
set -uo pipefail
cd "$(dirname "$0")/.."

configuration="${CONFIGURATION:-Release}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

# External programs some tests need; each script is quiet, idempotent and never fails (the tests then skip with the reason).
bash eng/install-dnsmasq.sh  # DNS SRV source tests
bash eng/install-browser.sh  # dashboard browser test (Debian chromium)
bash eng/install-etcd.sh     # etcd source tests

dotnet build Balancer.Client.sln -c "$configuration" -nologo -clp:ErrorsOnly
build=$?
if [ $build -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit $build
fi

dotnet test Balancer.Client.sln -c "$configuration" --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# "Passed!  - Failed:     0, Passed:    89, Skipped:     0, Total:    89, Duration: ..." (one line per test assembly)
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")

# The packages: packed from this build, consumed by a throw-away application (counts as one test).
if bash eng/pack-smoke.sh >"$log.pack" 2>&1; then
  passed=$((passed + 1))
  echo "Pack smoke test passed: $(grep -c '^packed ' "$log.pack") packages packed and consumed."
else
  cat "$log.pack"
  failed=$((failed + 1))
  status=1
fi
rm -f "$log.pack"

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The runner failed without reporting a failed test (a crash, a build error): count it as a failure.
  failed=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
