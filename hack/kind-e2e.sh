#!/usr/bin/env bash
# End-to-end on a real cluster, for hosts with Docker (dbwarden's own tests run without Docker, against a
# local control plane; this covers what only a cluster shows: images, pods, probes, NetworkPolicies, HA).
#
#   hack/kind-e2e.sh                      build, load, install, check; keep the cluster for inspection
#   KIND_E2E_DELETE=1 hack/kind-e2e.sh    delete the cluster at the end (pass or fail)
#
# Steps: build both images (operator/Dockerfile, console/Dockerfile); create or reuse the kind cluster
# $KIND_CLUSTER (default dbwarden-e2e) and load the images; install the Helm chart as the docs say (CRDs
# first, then `helm upgrade --install` into a namespace enforcing the restricted Pod Security Standard); run
# PostgreSQL with verified TLS in namespace shop-e2e; then the end-to-end checks:
#   1. a DatabaseConnection and an AccessPolicy become Ready; the policy's Secret logs in from a client pod;
#   2. the operator's NetworkPolicy keeps other pods away from the database (needs a CNI that enforces
#      NetworkPolicies, such as kindnet in kind v0.24+; KIND_E2E_NETWORKPOLICY=0 skips this check);
#   3. the console answers through its Service for a ServiceAccount bound to dbwarden-console-user, and runs
#      a query through the policy's user;
#   4. the leader pod is killed (grace period 0); the standby takes the Lease and provisions a new policy;
#   5. uninstall as documented: policies first (their users are dropped), then `helm uninstall`.
#
# Needs docker, kind, kubectl, openssl, curl, Go (Helm is built from its Go module by hack/helm.ts) and
# Node.js 20 (npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."

cluster=${KIND_CLUSTER:-dbwarden-e2e}
tag=${IMAGE_TAG:-kind-e2e}
system="dbwarden-system"
shop="shop-e2e"
work=$(mktemp -d)
port_forward=

log() { printf '\n▶ %s\n' "$*" >&2; }
fail() {
  printf '✗ %s\n' "$*" >&2
  exit 1
}

cleanup() {
  local status=$?
  if [ -n "$port_forward" ]; then kill "$port_forward" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ] && [ -n "${KUBECONFIG:-}" ]; then
    printf '\nOperator logs (last 40 lines):\n' >&2
    kubectl -n "$system" logs -l app.kubernetes.io/name=dbwarden-operator --tail=40 --prefix 2>/dev/null >&2 || true
  fi
  if [ "${KIND_E2E_DELETE:-0}" = 1 ]; then kind delete cluster --name "$cluster" >&2 || true; fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

for tool in docker kind kubectl openssl curl go node; do
  command -v "$tool" >/dev/null || fail "$tool is needed (see the comment at the top of $0)"
done
bash hack/ensure-deps.sh
helm=$(npx --no-install tsx hack/helm.ts)

log "Building the images"
docker build -f operator/Dockerfile -t "dbwarden-operator:$tag" .
docker build -f console/Dockerfile -t "dbwarden-console:$tag" .

log "kind cluster $cluster"
if ! kind get clusters | grep -qx "$cluster"; then
  kind create cluster --name "$cluster" --wait 180s
fi
kind get kubeconfig --name "$cluster" >"$work/kubeconfig"
export KUBECONFIG=$work/kubeconfig
kind load docker-image --name "$cluster" "dbwarden-operator:$tag" "dbwarden-console:$tag"

log "Installing dbwarden with Helm (CRDs first, as on every upgrade)"
kubectl apply --server-side --force-conflicts -f charts/dbwarden/crds/
kubectl create namespace "$system" --dry-run=client -o yaml | kubectl apply -f -
kubectl label namespace "$system" --overwrite pod-security.kubernetes.io/enforce=restricted
"$helm" upgrade --install dbwarden charts/dbwarden --namespace "$system" --wait --timeout 5m \
  --set operator.image.repository=dbwarden-operator --set operator.image.tag="$tag" --set operator.image.pullPolicy=Never \
  --set console.image.repository=dbwarden-console --set console.image.tag="$tag" --set console.image.pullPolicy=Never
kubectl -n "$system" rollout status deployment/dbwarden-operator --timeout=180s
kubectl -n "$system" rollout status deployment/dbwarden-console --timeout=180s

log "PostgreSQL with verified TLS in namespace $shop"
host=shop-db.$shop.svc
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=dbwarden-e2e-ca" -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$host" -keyout "$work/tls.key" -out "$work/tls.csr" 2>/dev/null
printf 'subjectAltName=DNS:%s,DNS:%s.cluster.local\n' "$host" "$host" >"$work/san.ext"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/san.ext" -out "$work/tls.crt" 2>/dev/null
admin_password=$(openssl rand -hex 24)
kubectl create namespace "$shop" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$shop" create secret generic shop-db-tls --from-file=tls.crt="$work/tls.crt" --from-file=tls.key="$work/tls.key" \
  --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$shop" create secret generic shop-db-ca --from-file=ca.crt="$work/ca.crt" --dry-run=client -o yaml | kubectl apply -f -
kubectl -n "$shop" create secret generic shop-db-admin --from-literal=username=dbwarden_admin \
  --from-literal=password="$admin_password" --dry-run=client -o yaml | kubectl apply -f -
kubectl apply -f - <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: shop-db-init, namespace: $shop}
data:
  init.sh: |
    set -e
    psql -v ON_ERROR_STOP=1 -v admin_password="\$DBWARDEN_ADMIN_PASSWORD" --username "\$POSTGRES_USER" <<'SQL'
    CREATE ROLE shop_owner NOLOGIN;
    CREATE ROLE dbwarden_admin LOGIN CREATEROLE PASSWORD :'admin_password';
    GRANT shop_owner TO dbwarden_admin;
    CREATE DATABASE shop OWNER shop_owner;
    \c shop
    SET ROLE shop_owner;
    CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL, price numeric(10,2) NOT NULL);
    CREATE TABLE orders (id serial PRIMARY KEY, product_id int REFERENCES products, quantity int NOT NULL);
    INSERT INTO products (name, price) VALUES ('tea', 4.50), ('coffee', 6.00), ('cocoa', 5.25);
    INSERT INTO orders (product_id, quantity) VALUES (1, 2), (2, 1);
    SQL
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: shop-db, namespace: $shop}
spec:
  selector: {matchLabels: {app: shop-db}}
  template:
    metadata: {labels: {app: shop-db}}
    spec:
      securityContext: {runAsUser: 999, runAsGroup: 999, fsGroup: 999}
      containers:
        - name: postgres
          image: postgres:16
          args: [-c, ssl=on, -c, ssl_cert_file=/tls/tls.crt, -c, ssl_key_file=/tls/tls.key]
          env:
            - {name: POSTGRES_PASSWORD, value: e2e-superuser}
            - {name: PGDATA, value: /var/lib/postgresql/data/pgdata}
            - name: DBWARDEN_ADMIN_PASSWORD
              valueFrom: {secretKeyRef: {name: shop-db-admin, key: password}}
          ports: [{containerPort: 5432}]
          readinessProbe:
            exec: {command: [pg_isready, -U, postgres, -d, shop]}
            periodSeconds: 2
          volumeMounts:
            - {name: tls, mountPath: /tls}
            - {name: init, mountPath: /docker-entrypoint-initdb.d}
            - {name: data, mountPath: /var/lib/postgresql/data}
      volumes:
        - name: tls
          secret: {secretName: shop-db-tls, defaultMode: 0640}
        - name: init
          configMap: {name: shop-db-init}
        - name: data
          emptyDir: {}
---
apiVersion: v1
kind: Service
metadata: {name: shop-db, namespace: $shop}
spec:
  selector: {app: shop-db}
  ports: [{port: 5432, targetPort: 5432}]
EOF
kubectl -n "$shop" rollout status deployment/shop-db --timeout=180s

log "1. A connection and a policy become Ready, and the policy's Secret logs in"
kubectl apply -f - <<EOF
apiVersion: dbwarden.io/v1alpha1
kind: DatabaseConnection
metadata: {name: shop, namespace: $shop}
spec:
  engine: postgres
  host: $host
  database: shop
  adminSecretRef: {name: shop-db-admin}
  tls: {mode: verify-full, caSecretRef: {name: shop-db-ca, key: ca.crt}}
  network:
    podSelector: {matchLabels: {app: shop-db}}
---
apiVersion: dbwarden.io/v1alpha1
kind: AccessPolicy
metadata: {name: reader, namespace: $shop}
spec:
  connectionRef: {name: shop}
  tables: [{name: products}, {name: orders}]
  clients:
    podSelector: {matchLabels: {app: shop-client}}
  console: {enabled: true}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: e2e-analyst, namespace: $shop}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: e2e-analyst-query, namespace: $shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dbwarden-console-user}
subjects: [{kind: ServiceAccount, name: e2e-analyst, namespace: $shop}]
EOF
kubectl -n "$shop" wait --for=condition=Ready databaseconnection/shop --timeout=180s
kubectl -n "$shop" wait --for=condition=Ready accesspolicy/reader --timeout=180s
kubectl -n "$shop" get dbwarden

# A client pod reads with the credentials from the Secret: psql takes its uri (sslmode=verify-full).
client_job() {
  local name=$1 label=$2
  kubectl apply -f - <<EOF
apiVersion: batch/v1
kind: Job
metadata: {name: $name, namespace: $shop}
spec:
  backoffLimit: 0
  activeDeadlineSeconds: 60
  template:
    metadata: {labels: {app: $label}}
    spec:
      restartPolicy: Never
      containers:
        - name: psql
          image: postgres:16
          command: [sh, -c, 'psql "\$URI" -v ON_ERROR_STOP=1 -tAc "SELECT count(*) FROM products"']
          env:
            - {name: PGSSLROOTCERT, value: /credentials/ca.crt}
            - {name: PGCONNECT_TIMEOUT, value: "5"}
            - name: URI
              valueFrom: {secretKeyRef: {name: reader-credentials, key: uri}}
          volumeMounts: [{name: credentials, mountPath: /credentials}]
      volumes:
        - name: credentials
          secret: {secretName: reader-credentials}
EOF
}
client_job client-allowed shop-client
kubectl -n "$shop" wait --for=condition=Complete job/client-allowed --timeout=120s \
  || fail "the policy's client could not read with its Secret: $(kubectl -n "$shop" logs job/client-allowed 2>&1)"
[ "$(kubectl -n "$shop" logs job/client-allowed)" = 3 ] || fail "unexpected answer: $(kubectl -n "$shop" logs job/client-allowed)"

if [ "${KIND_E2E_NETWORKPOLICY:-1}" = 1 ]; then
  log "2. Pods that are not the policy's clients cannot reach the database"
  client_job client-denied someone-else
  if kubectl -n "$shop" wait --for=condition=Complete job/client-denied --timeout=60s 2>/dev/null; then
    fail "a pod outside spec.clients reached the database: is NetworkPolicy enforced by this CNI?"
  fi
fi

log "3. The console answers through its Service, as RBAC allows"
kubectl -n "$system" port-forward svc/dbwarden-console 18080:80 >"$work/port-forward.log" 2>&1 &
port_forward=$!
for _ in $(seq 1 30); do curl -fsS http://127.0.0.1:18080/healthz >/dev/null 2>&1 && break; sleep 1; done
token=$(kubectl -n "$shop" create token e2e-analyst --duration=10m)
curl -fsS -H "Authorization: Bearer $token" http://127.0.0.1:18080/api/v1/policies | grep -q '"name":"reader"' \
  || fail "the console does not list the policy for a user bound to dbwarden-console-user"
answer=$(curl -fsS -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"sql": "SELECT count(*) AS n FROM products"}' "http://127.0.0.1:18080/api/v1/namespaces/$shop/policies/reader/query")
# count(*) is a bigint: the console sends it as PostgreSQL prints it, a string.
printf '%s' "$answer" | grep -Eq '"rows":\[\["?3"?\]\]' || fail "unexpected console answer: $answer"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(kubectl -n "$shop" create token default --duration=10m)" \
  "http://127.0.0.1:18080/api/v1/namespaces/$shop/policies/reader/schema")
[ "$code" = 403 ] || fail "a ServiceAccount without dbwarden-console-user got $code, not 403"

log "4. Leader failover: kill the leader pod, the standby takes the Lease and keeps working"
holder=$(kubectl -n "$system" get lease dbwarden-operator -o jsonpath='{.spec.holderIdentity}')
leader=${holder%_*}
[ -n "$leader" ] || fail "no leader holds the Lease dbwarden-operator"
killed_at=$(date +%s)
kubectl -n "$system" delete pod "$leader" --grace-period=0 --force
new_holder=$holder
for _ in $(seq 1 60); do
  new_holder=$(kubectl -n "$system" get lease dbwarden-operator -o jsonpath='{.spec.holderIdentity}')
  [ "$new_holder" != "$holder" ] && [ -n "$new_holder" ] && break
  sleep 1
done
[ "$new_holder" != "$holder" ] || fail "nobody took over the Lease within 60 s"
echo "takeover: ${new_holder%_*} leads $(($(date +%s) - killed_at)) s after $leader was killed"
kubectl apply -f - <<EOF
apiVersion: dbwarden.io/v1alpha1
kind: AccessPolicy
metadata: {name: after-failover, namespace: $shop}
spec:
  connectionRef: {name: shop}
  tables: [{name: orders}]
EOF
kubectl -n "$shop" wait --for=condition=Ready accesspolicy/after-failover --timeout=120s

log "5. Uninstall: policies first (their users are dropped), then the release"
users=$(kubectl -n "$shop" get accesspolicy -o jsonpath='{range .items[*]}{.status.username}{" "}{end}')
kubectl -n "$shop" delete accesspolicy --all --timeout=120s
for user in $users; do
  left=$(kubectl -n "$shop" exec deploy/shop-db -- psql -U postgres -tAc "SELECT count(*) FROM pg_roles WHERE rolname LIKE '${user}%'")
  [ "$left" = 0 ] || fail "user $user was not dropped"
done
"$helm" uninstall dbwarden --namespace "$system" --wait
kubectl get crd accesspolicies.dbwarden.io >/dev/null || fail "helm uninstall removed the CRDs (it must not)"

if [ "${KIND_E2E_DELETE:-0}" = 1 ]; then
  printf '\n✓ kind end-to-end passed (deleting cluster %s)\n' "$cluster" >&2
else
  printf '\n✓ kind end-to-end passed (cluster %s kept: export KUBECONFIG=<(kind get kubeconfig --name %s))\n' "$cluster" "$cluster" >&2
fi
