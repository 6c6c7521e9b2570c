#!/usr/bin/env bash
# The in-cluster suite (test/cluster) on a kind cluster, for hosts that have Docker. `npm test` runs the same
# test body on the local node it builds without Docker (vitest.cluster.config.ts); this script only builds the
# images with Docker, makes the kind cluster and loads them, then runs that suite against it.
#
#   hack/kind-e2e.sh                      build, load, run the suite; keep the cluster for inspection
#   KIND_E2E_DELETE=1 hack/kind-e2e.sh    delete the cluster at the end (pass or fail)
#
# The suite installs dbwarden with kustomize and with the Helm chart into dbwarden-system (restricted Pod
# Security Standard), runs PostgreSQL and MariaDB as pods, and checks convergence, NetworkPolicy enforcement
# (kind v0.24+ enforces NetworkPolicies with kindnet), rotation restarts, leader failover and the uninstall.
# Needs docker, kind, Go (kubectl and Helm are built from their Go modules by hack/env/kubectl.ts and
# hack/helm.ts, and kubectl put first on PATH) and Node.js 20.19+.
set -euo pipefail
cd "$(dirname "$0")/.."

cluster=${KIND_CLUSTER:-dbwarden-e2e}
work=$(mktemp -d)

log() { printf '\n▶ %s\n' "$*" >&2; }
fail() {
  printf '✗ %s\n' "$*" >&2
  exit 1
}
cleanup() {
  local status=$?
  if [ "${KIND_E2E_DELETE:-0}" = 1 ]; then kind delete cluster --name "$cluster" >&2 || true; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

for tool in docker kind go node; do
  command -v "$tool" >/dev/null || fail "$tool is needed (see the comment at the top of $0)"
done
bash hack/ensure-deps.sh
# kubectl v1.36 (the release the suite is written against), whatever the host has.
kubectl_bin=$(npx tsx hack/env/kubectl.ts)
export PATH="$(dirname "$kubectl_bin"):$PATH"

# The same names `npm run images` gives them (hack/images/images.ts), which the suite runs.
operator=localhost/dbwarden-operator:dev
console=localhost/dbwarden-console:dev
postgres=localhost/dbwarden-postgres:15
mariadb=localhost/dbwarden-mariadb:10.11

log "Building the images (their Dockerfiles' default bases)"
docker build -f operator/Dockerfile -t "$operator" .
docker build -f console/Dockerfile -t "$console" .
docker build -f hack/images/postgres/Containerfile -t "$postgres" hack/images/postgres
docker build -f hack/images/mariadb/Containerfile -t "$mariadb" hack/images/mariadb

log "kind cluster $cluster"
if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --wait 180s
fi
kind get kubeconfig --name "$cluster" >"$work/kubeconfig"
kind load docker-image --name "$cluster" "$operator" "$console" "$postgres" "$mariadb"

log "The in-cluster suite (test/cluster)"
DBWARDEN_CLUSTER=existing KUBECONFIG="$work/kubeconfig" \
  DBWARDEN_IMAGE_OPERATOR="$operator" DBWARDEN_IMAGE_CONSOLE="$console" \
  DBWARDEN_IMAGE_POSTGRES="$postgres" DBWARDEN_IMAGE_MARIADB="$mariadb" \
  npx vitest run --config vitest.cluster.config.ts test/cluster

if [ "${KIND_E2E_DELETE:-0}" = 1 ]; then
  printf '\n✓ kind end-to-end passed (deleting cluster %s)\n' "$cluster" >&2
else
  printf '\n✓ kind end-to-end passed (cluster %s kept: kind get kubeconfig --name %s > kubeconfig)\n' "$cluster" "$cluster" >&2
fi
