#!/usr/bin/env bash
# `npm test`: install what is missing, type-check and lint, then run every suite against the real
# local environment (the vitest global setup starts it when it is not already running), then the image
# suite (test/images: builds every image with buildah and runs it with podman; no API server needed).
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
# The image suite builds images (minutes of both cores when cold): it runs after the others, alone, so it
# cannot slow their timing-sensitive checks (leader failover, rotation), and only in a full run.
timed "tests (vitest)" npx vitest run --exclude 'test/images/**' "$@"
if [ $# -eq 0 ]; then
  timed "image suite (npm run test:images)" npx vitest run --config vitest.images.config.ts
fi
