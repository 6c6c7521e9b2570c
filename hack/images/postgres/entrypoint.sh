#!/bin/sh
# Starts PostgreSQL as the container's non-root user: initialises $PGDATA on first start, requires TLS
# from mounted files, and creates the admin (superuser) account. Extra arguments go to postgres (-c ...).
#   DB_TLS_CERT_FILE, DB_TLS_KEY_FILE  server certificate and key (PEM), e.g. from a mounted Secret
#   DB_TLS_CA_FILE                     optional CA bundle for client certificates
#   DB_ADMIN_USER                      admin account (default admin)
#   DB_ADMIN_PASSWORD_FILE             its password, first line of a file (or DB_ADMIN_PASSWORD); never printed
#   DB_DATABASE                        optional database to create on first start
#   DB_PORT                            default 5432; PGDATA default /var/lib/postgresql/data/pgdata
set -eu

die() { echo "dbwarden-postgres: $*" >&2; exit 1; }

: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
: "${DB_PORT:=5432}"
: "${DB_ADMIN_USER:=admin}"
[ -n "${DB_TLS_CERT_FILE:-}" ] || die "set DB_TLS_CERT_FILE to the server certificate (PEM)"
[ -n "${DB_TLS_KEY_FILE:-}" ] || die "set DB_TLS_KEY_FILE to the server key (PEM)"
case "$DB_ADMIN_USER" in *[!A-Za-z0-9_]* | "") die "DB_ADMIN_USER must be letters, digits and _" ;; esac
case "${DB_DATABASE:-x}" in *[!A-Za-z0-9_]*) die "DB_DATABASE must be letters, digits and _" ;; esac

admin_password() {
  if [ -n "${DB_ADMIN_PASSWORD_FILE:-}" ]; then
    [ -r "$DB_ADMIN_PASSWORD_FILE" ] || die "cannot read DB_ADMIN_PASSWORD_FILE ($DB_ADMIN_PASSWORD_FILE)"
    head -n 1 "$DB_ADMIN_PASSWORD_FILE"
  elif [ -n "${DB_ADMIN_PASSWORD:-}" ]; then
    printf '%s\n' "$DB_ADMIN_PASSWORD"
  else
    die "set DB_ADMIN_PASSWORD_FILE (or DB_ADMIN_PASSWORD) for the admin account"
  fi
}

umask 077
base=${PGDATA%/*}
mkdir -p "$PGDATA" "$base/tls" "$base/run"
chmod 0700 "$PGDATA" "$base/tls"

# PostgreSQL refuses a key others can read; mounted Secrets often are: use private copies, made each start.
cp "$DB_TLS_CERT_FILE" "$base/tls/server.crt"
cp "$DB_TLS_KEY_FILE" "$base/tls/server.key"
set -- -c "ssl_cert_file=$base/tls/server.crt" -c "ssl_key_file=$base/tls/server.key" "$@"
if [ -n "${DB_TLS_CA_FILE:-}" ]; then
  cp "$DB_TLS_CA_FILE" "$base/tls/ca.crt"
  set -- -c "ssl_ca_file=$base/tls/ca.crt" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  echo "dbwarden-postgres: initialising $PGDATA (admin account $DB_ADMIN_USER)" >&2
  pwfile="$base/tls/.initdb-password"
  admin_password > "$pwfile"
  initdb -D "$PGDATA" -U "$DB_ADMIN_USER" --pwfile="$pwfile" --auth-local=scram-sha-256 --auth-host=scram-sha-256 \
    --encoding=UTF8 --no-locale >&2 || { rm -f "$pwfile"; die "initdb failed"; }
  rm -f "$pwfile"
  if [ -n "${DB_DATABASE:-}" ]; then
    printf 'CREATE DATABASE "%s"\n' "$DB_DATABASE" | postgres --single -D "$PGDATA" postgres >/dev/null
  fi
fi

# Only TLS connections from the network, all with SCRAM passwords; rewritten each start.
printf '%s\n' 'local all all scram-sha-256' 'hostssl all all 0.0.0.0/0 scram-sha-256' 'hostssl all all ::/0 scram-sha-256' \
  > "$PGDATA/pg_hba.conf"

unset DB_ADMIN_PASSWORD
exec postgres -D "$PGDATA" \
  -c listen_addresses=0.0.0.0 -c "port=$DB_PORT" -c "unix_socket_directories=$base/run" \
  -c ssl=on -c ssl_min_protocol_version=TLSv1.2 -c password_encryption=scram-sha-256 \
  "$@"
