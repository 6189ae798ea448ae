#!/bin/sh
# One-shot, in the temporalio/admin-tools image: creates Temporal's two databases in PostgreSQL and
# brings both schemas to the versions shipped with the image (the same release as the server image).
# Safe to run again: existing databases are kept and update-schema applies only what is missing.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD_FILE:?}"
# The tool reads the password from SQL_PASSWORD; it comes from the secret file, never from compose.
SQL_PASSWORD="$(cat "$SQL_PASSWORD_FILE")"
export SQL_PASSWORD
port="${DB_PORT:-5432}"
schema=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$port" -u "$POSTGRES_USER" "$@"
}

echo "waiting for PostgreSQL at $POSTGRES_SEEDS:$port"
tries=0
until nc -z "$POSTGRES_SEEDS" "$port"; do
  tries=$((tries + 1))
  [ "$tries" -ge 60 ] && { echo "PostgreSQL did not answer" >&2; exit 1; }
  sleep 2
done

for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  dir="$schema/${pair##*:}/versioned"
  # `create` fails when the database exists: that is the normal case after the first run.
  sql --db "$db" create >/dev/null 2>&1 && echo "created database $db" || echo "database $db exists"
  # setup-schema -v 0.0 only creates the version table; it fails harmlessly when it exists.
  sql --db "$db" setup-schema -v 0.0 >/dev/null 2>&1 || true
  # Point at versioned/ itself: given its parent, update-schema finds nothing and still exits 0.
  sql --db "$db" update-schema -d "$dir"
  echo "schema of $db is up to date"
done
