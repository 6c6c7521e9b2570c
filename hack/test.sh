#!/usr/bin/env bash
# `npm test`: install what is missing, type-check and lint, then every suite against real servers, in phases
# that keep the timing-sensitive suites away from the heavy ones:
#   1. the suites on the local environment (API server and databases; the vitest global setup starts it);
#   2. the image suite (test/images: builds every image with buildah, runs it with podman);
#   3. the in-cluster suites (test/cluster, test/node): the local node, dbwarden's images and Helm chart as pods.
# An environment this run started is stopped at the end, and env:down fails if the node left anything behind.
# Arguments (a file or a filter) run phase 1 with them, and nothing else.
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
if [ $# -gt 0 ]; then
  timed "tests (vitest $*)" npx vitest run "$@"
  exit 0
fi

started_here=0
npx tsx hack/env/cli.ts status >/dev/null 2>&1 || started_here=1
keep=${DBWARDEN_KEEP_ENV:-0}
# The phases share one environment; this script stops it at the end if it started it (DBWARDEN_KEEP_ENV=1 keeps it).
export DBWARDEN_KEEP_ENV=1
stop_env() {
  if [ "$started_here" = 1 ] && [ "$keep" != 1 ]; then timed "stopping the environment this run started" npm run --silent env:down; fi
}
trap 'status=$?; trap - EXIT; stop_env || status=1; exit $status' EXIT

timed "tests on the local environment (vitest)" npx vitest run
# The node's programs (containerd, kube-router, …; minutes of Go builds when cold) build beside the images:
# neither phase is timing-sensitive, and the cluster phase needs both.
mkdir -p .dev/logs
npx tsx hack/env/cli.ts build >.dev/logs/node-build.log 2>&1 &
node_build=$!
timed "image suite (vitest.images.config.ts)" npx vitest run --config vitest.images.config.ts
timed "the node's programs (.dev/logs/node-build.log)" wait "$node_build" || { tail -n 30 .dev/logs/node-build.log >&2; exit 1; }
timed "in-cluster suites on the local node (vitest.cluster.config.ts)" npx vitest run --config vitest.cluster.config.ts
