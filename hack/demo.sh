#!/usr/bin/env bash
# `npm run demo`: install what is missing, start the local environment and the product on it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/ensure-deps.sh
exec npx tsx hack/demo.ts "$@"
