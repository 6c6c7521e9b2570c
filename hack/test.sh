#!/usr/bin/env bash
# `npm test`: install what is missing, type-check and lint, then run every suite against the real
# local environment (the vitest global setup starts it when it is not already running).
set -euo pipefail
cd "$(dirname "$0")/.."

timed() {
  local title=$1; shift
  local t0=$SECONDS
  echo "▶ $title" >&2
  "$@"
  echo "✓ $title ($((SECONDS - t0))s)" >&2
}

timed "dependencies" bash hack/ensure-deps.sh
timed "type-check and lint" npm run --silent check
timed "tests (vitest)" npx vitest run "$@"
