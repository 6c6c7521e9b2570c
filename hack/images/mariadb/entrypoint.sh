#!/bin/sh
# Starts MariaDB as the container's non-root user: initialises the data directory on first start, requires
# TLS from mounted files, and creates the admin account (all privileges, with GRANT OPTION). Extra arguments
# go to mariadbd.
#   DB_TLS_CERT_FILE, DB_TLS_KEY_FILE  server certificate and key (PEM), e.g. from a mounted Secret
#   DB_TLS_CA_FILE                     optional CA bundle for client certificates
#   DB_ADMIN_USER                      admin account (default admin), allowed from any host
#   DB_ADMIN_PASSWORD_FILE             its password, first line of a file (or DB_ADMIN_PASSWORD); never printed
#   DB_DATABASE                        optional database to create on first start
#   DB_PORT                            default 3306; DB_DATADIR default /var/lib/mysql/data
set -eu

die() { echo "dbwarden-mariadb: $*" >&2; exit 1; }

: "${DB_DATADIR:=/var/lib/mysql/data}"
: "${DB_PORT:=3306}"
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
base=${DB_DATADIR%/*}
run="$base/run"
me=$(id -un)
mkdir -p "$DB_DATADIR" "$base/tls" "$run"

cp "$DB_TLS_CERT_FILE" "$base/tls/server.crt"
cp "$DB_TLS_KEY_FILE" "$base/tls/server.key"
set -- "--ssl-cert=$base/tls/server.crt" "--ssl-key=$base/tls/server.key" "$@"
if [ -n "${DB_TLS_CA_FILE:-}" ]; then
  cp "$DB_TLS_CA_FILE" "$base/tls/ca.crt"
  set -- "--ssl-ca=$base/tls/ca.crt" "$@"
fi

if [ ! -d "$DB_DATADIR/mysql" ]; then
  echo "dbwarden-mariadb: initialising $DB_DATADIR (admin account $DB_ADMIN_USER)" >&2
  # root and this OS user may log in only through the Unix socket, as that OS user (unix_socket).
  mariadb-install-db --datadir="$DB_DATADIR" --auth-root-authentication-method=socket --auth-root-socket-user="$me" \
    --skip-test-db --skip-name-resolve >/dev/null
  boot="$run/bootstrap.sock"
  mariadbd --datadir="$DB_DATADIR" --skip-networking --socket="$boot" --pid-file="$run/bootstrap.pid" >&2 &
  booting=$!
  tries=0
  until mariadb-admin --socket="$boot" -u "$me" ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 120 ] && kill -0 "$booting" 2>/dev/null || die "the bootstrap server did not start"
    sleep 0.5
  done
  # The password reaches the server through a pipe, quoted for SQL; never through argv or a file.
  password=$(admin_password | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")
  {
    printf "CREATE USER '%s'@'%%' IDENTIFIED BY '%s';\n" "$DB_ADMIN_USER" "$password"
    printf "GRANT ALL PRIVILEGES ON *.* TO '%s'@'%%' WITH GRANT OPTION;\n" "$DB_ADMIN_USER"
    [ -z "${DB_DATABASE:-}" ] || printf 'CREATE DATABASE IF NOT EXISTS `%s`;\n' "$DB_DATABASE"
    # mariadb-install-db also grants proxying for the machine's host name, which --skip-name-resolve ignores.
    printf "DELETE FROM mysql.proxies_priv WHERE Host NOT IN ('localhost', '%%');\nFLUSH PRIVILEGES;\n"
  } | mariadb --socket="$boot" -u "$me" --batch
  password=
  mariadb-admin --socket="$boot" -u "$me" shutdown
  wait "$booting" || true
fi

unset DB_ADMIN_PASSWORD
exec mariadbd --datadir="$DB_DATADIR" --socket="$run/mysqld.sock" --pid-file="$run/mysqld.pid" \
  --bind-address=0.0.0.0 --port="$DB_PORT" --skip-name-resolve \
  --require-secure-transport=ON --tls-version=TLSv1.2,TLSv1.3 \
  "$@"
