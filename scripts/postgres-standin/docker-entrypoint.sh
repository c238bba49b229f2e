#!/usr/bin/env bash
# Entrypoint of the stand-in postgres:17 image that scripts/provision-docker builds when the
# official one cannot be pulled. It behaves as the official image's docker-entrypoint.sh
# (docker-library/postgres) does for what users rely on:
#   POSTGRES_PASSWORD, POSTGRES_USER (default postgres), POSTGRES_DB (default POSTGRES_USER),
#   POSTGRES_INITDB_ARGS, POSTGRES_HOST_AUTH_METHOD (default: password_encryption, i.e.
#   scram-sha-256), PGDATA, the *_FILE variants of the first four (Docker secrets), and the
#   /docker-entrypoint-initdb.d/ scripts (*.sh, *.sql, *.sql.gz, *.sql.xz, *.sql.zst) run once,
#   on first start, against a server that listens on its unix socket only.
# Not handled: POSTGRES_INITDB_WALDIR, and the script being sourced by another one.
# Not under `set -u`: the initdb.d scripts it sources may use unset variables.
set -Eeo pipefail

# file_env VAR [DEFAULT]: VAR's value from $VAR, or from the file $VAR_FILE names (its trailing
# newlines stripped), or DEFAULT; setting both VAR and VAR_FILE is an error.
file_env() {
  local var=$1 file_var=${1}_FILE default=${2:-}
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
    printf 'error: both %s and %s are set (they are exclusive); set one of them.\n' "$var" "$file_var" >&2
    exit 1
  fi
  local value=$default
  if [ -n "${!var:-}" ]; then
    value=${!var}
  elif [ -n "${!file_var:-}" ]; then
    value=$(<"${!file_var}")
  fi
  export "$var"="$value"
  unset "$file_var"
}

setup_env() {
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  : "${POSTGRES_HOST_AUTH_METHOD:=}"
  DATABASE_ALREADY_EXISTS=
  if [ -s "$PGDATA/PG_VERSION" ]; then DATABASE_ALREADY_EXISTS=true; fi
}

# PGDATA (0700, or 0750 if it already is: group access) and the socket directory; as root,
# handed over to postgres so that `--user` and bind mounts work. chmod may fail on some mounts
# (postgres then says what it dislikes), hence `|| :`.
create_db_directories() {
  mkdir -p "$PGDATA"
  [ "$(stat -c %a "$PGDATA")" = 750 ] || chmod 700 "$PGDATA" || :
  mkdir -p /var/run/postgresql || :
  chmod 3775 /var/run/postgresql || :
  if [ "$(id -u)" = 0 ]; then
    find "$PGDATA" \! -user postgres -exec chown postgres: '{}' +
    find /var/run/postgresql \! -user postgres -exec chown postgres: '{}' +
  fi
}

# First start only: without a password, every TCP connection would be refused.
verify_minimum_env() {
  if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
    cat >&2 <<'EOE'
Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html
EOE
    exit 1
  fi
  if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
    cat >&2 <<'EOW'
WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust": anyone who can reach
         the Postgres port gets into the database without a password, even if
         POSTGRES_PASSWORD is set (in Docker's default setup, any other container).
EOW
  fi
}

# initdb (local connections trusted, as initdb leaves them). initdb wants the current uid in
# /etc/passwd: for a `--user` that is not there, nss_wrapper fakes an entry.
init_database_dir() {
  local uid wrapper
  uid=$(id -u)
  if ! getent passwd "$uid" >/dev/null; then
    for wrapper in {/usr,}/lib{/*,}/libnss_wrapper.so; do
      [ -s "$wrapper" ] || continue
      NSS_WRAPPER_PASSWD=$(mktemp)
      NSS_WRAPPER_GROUP=$(mktemp)
      export LD_PRELOAD=$wrapper NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
      printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$uid" "$(id -g)" "$PGDATA" >"$NSS_WRAPPER_PASSWD"
      printf 'postgres:x:%s:\n' "$(id -g)" >"$NSS_WRAPPER_GROUP"
      break
    done
  fi
  # POSTGRES_INITDB_ARGS is shell words (eval, as the official image does); --pwfile refuses an
  # empty file, hence the newline.
  eval 'initdb --username="$POSTGRES_USER" --pwfile=<(printf "%s\n" "$POSTGRES_PASSWORD") '"$POSTGRES_INITDB_ARGS"
  if [[ ${LD_PRELOAD:-} == */libnss_wrapper.so ]]; then
    rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
    unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
  fi
}

# TCP connections from anywhere, with POSTGRES_HOST_AUTH_METHOD or else the server's
# password_encryption (scram-sha-256). Arguments: the server's command line.
setup_hba_conf() {
  [ "${1:-}" = postgres ] && shift
  : "${POSTGRES_HOST_AUTH_METHOD:=$(postgres -C password_encryption "$@")}"
  printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
}

# The temporary server of the first start listens on the unix socket only.
temp_server_start() {
  [ "${1:-}" = postgres ] && shift
  set -- "$@" -c listen_addresses= -p "${PGPORT:-5432}"
  NOTIFY_SOCKET= PGUSER=${PGUSER:-$POSTGRES_USER} pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}
temp_server_stop() { PGUSER=${PGUSER:-postgres} pg_ctl -D "$PGDATA" -m fast -w stop; }

# psql on the socket, as POSTGRES_USER, in POSTGRES_DB (unless --dbname says otherwise).
process_sql() {
  PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc \
    ${POSTGRES_DB:+--dbname "$POSTGRES_DB"} "$@"
}

setup_db() {
  local exists
  exists=$(POSTGRES_DB= process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only \
    <<<"SELECT 1 FROM pg_database WHERE datname = :'db' ;")
  if [ -z "$exists" ]; then
    POSTGRES_DB= process_sql --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db" ;'
  fi
}

# The initdb.d files, in glob (name) order: *.sh run when executable, sourced otherwise.
process_init_files() {
  local f
  for f; do
    case "$f" in
      *.sh)
        if [ -x "$f" ]; then
          printf '%s: running %s\n' "$0" "$f"
          "$f"
        else
          printf '%s: sourcing %s\n' "$0" "$f"
          . "$f"
        fi
        ;;
      *.sql) printf '%s: running %s\n' "$0" "$f"; process_sql -f "$f" ;;
      *.sql.gz) printf '%s: running %s\n' "$0" "$f"; gunzip -c "$f" | process_sql ;;
      *.sql.xz) printf '%s: running %s\n' "$0" "$f"; xzcat "$f" | process_sql ;;
      *.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | process_sql ;;
      *) printf '%s: ignoring %s\n' "$0" "$f" ;;
    esac
  done
}

# `postgres --help` and the like print and exit: no set-up for them.
want_help() {
  local arg
  for arg; do
    case "$arg" in -'?' | --help | --describe-config | -V | --version) return 0 ;; esac
  done
  return 1
}

main() {
  # A first argument that is an option is one for the server.
  if [ "${1:0:1}" = - ]; then set -- postgres "$@"; fi
  if [ "$1" != postgres ] || want_help "$@"; then exec "$@"; fi

  setup_env
  create_db_directories
  if [ "$(id -u)" = 0 ]; then
    # Run again as postgres (exec'd, so that the server ends up as PID 1 and gets STOPSIGNAL).
    HOME=$(getent passwd postgres | cut -d: -f6)
    export HOME
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
  fi

  if [ -z "$DATABASE_ALREADY_EXISTS" ]; then
    verify_minimum_env
    ls /docker-entrypoint-initdb.d/ >/dev/null # readable, before anything is half done
    init_database_dir
    setup_hba_conf "$@"
    # For psql, should POSTGRES_INITDB_ARGS ask for passwords on local connections too.
    export PGPASSWORD=${PGPASSWORD:-$POSTGRES_PASSWORD}
    temp_server_start "$@"
    setup_db
    shopt -s nullglob
    process_init_files /docker-entrypoint-initdb.d/*
    shopt -u nullglob
    temp_server_stop
    unset PGPASSWORD
    printf '\nPostgreSQL init process complete; ready for start up.\n\n'
  else
    printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
  fi
  exec "$@"
}

main "$@"
