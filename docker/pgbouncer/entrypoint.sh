#!/bin/sh
# Writes pgbouncer.ini and its user list from the environment, then runs PgBouncer in the foreground.
set -eu
: "${DB_HOST:?DB_HOST is required}" "${DB_USER:?DB_USER is required}" "${DB_PASSWORD:?DB_PASSWORD is required}"
dir=/tmp/pgbouncer
mkdir -p "$dir"
printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=${DB_HOST} port=${DB_PORT:-5432}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = ${LISTEN_PORT:-6432}
auth_type = ${AUTH_TYPE:-scram-sha-256}
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = ${DEFAULT_POOL_SIZE:-20}
max_db_connections = ${MAX_DB_CONNECTIONS:-20}
max_client_conn = ${MAX_CLIENT_CONN:-2000}
server_reset_query =
; node-postgres sends these at connect; PgBouncer cannot keep them per client in transaction mode
ignore_startup_parameters = extra_float_digits,statement_timeout,idle_in_transaction_session_timeout,options
unix_socket_dir =
INI
exec pgbouncer "$dir/pgbouncer.ini"
