#!/usr/bin/env bash
# The test command behind `make test` and .ci/run. pytest exits 5 when it collects no tests:
# that must fail the run, never pass silently.
set -uo pipefail
cd "$(dirname "$0")/.."
# The private environment (no telemetry) is applied by tests/conftest.py (fostering_scorecard.environment).
.venv/bin/python -m pytest "$@"
status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing the run" >&2
  exit 1
fi
exit "$status"
