# Installs PostgreSQL from Debian's packages if missing, starts the cluster on 127.0.0.1:5432 and makes the
# project's role and database. Idempotent. Exports DATABASE_URL. postgres_stop and postgres_restart stop and
# restart that cluster (for fault injection: scripts/chaos).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PG_USER=${PG_USER:-customer_sync}
PG_PASSWORD=${PG_PASSWORD:-customer_sync}
PG_DB=${PG_DB:-customer_sync}
export DATABASE_URL=${DATABASE_URL:-postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:5432/$PG_DB}

postgres_up() {
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-contrib
  apt_install postgresql
  if ! port_open 127.0.0.1 5432; then
    local ver
    ver=$(pg_lsclusters -h | awk 'NR==1 {print $1}')
    [[ -n "$ver" ]] || { ver=$(ls /usr/lib/postgresql | sort -n | tail -1); pg_createcluster "$ver" main >/dev/null; }
    local conf="/etc/postgresql/$ver/main/postgresql.conf"
    # A sync service's load: many short transactions from several binaries and test databases.
    grep -q '^# customer-sync' "$conf" || cat >>"$conf" <<CONF
# customer-sync
listen_addresses = '127.0.0.1'
port = 5432
max_connections = 300
shared_buffers = 512MB
CONF
    log "starting PostgreSQL $ver"
    pg_ctlcluster "$ver" main start
    wait_port 127.0.0.1 5432 postgres 60
  fi
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'" | grep -q 1 ||
    runuser -u postgres -- psql -qc "CREATE ROLE $PG_USER LOGIN CREATEDB PASSWORD '$PG_PASSWORD'"
  runuser -u postgres -- psql -qtAc "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'" | grep -q 1 ||
    runuser -u postgres -- createdb -O "$PG_USER" "$PG_DB"
}

# postgres_cluster_version: the version of the cluster postgres_up starts (the first one pg_lsclusters lists).
postgres_cluster_version() { pg_lsclusters -h | awk 'NR==1 {print $1}'; }

# postgres_stop: stops that cluster (fast mode: open connections are closed) and waits until the port is closed.
postgres_stop() {
  local ver
  ver=$(postgres_cluster_version)
  [[ -n "$ver" ]] || return 0
  log "stopping PostgreSQL $ver"
  pg_ctlcluster "$ver" main stop -m fast || true
  for _ in $(seq 300); do port_open 127.0.0.1 5432 || return 0; sleep 0.1; done
  die "PostgreSQL $ver still listens on 127.0.0.1:5432 after 30 s"
}

# postgres_restart: stops and starts that cluster, and waits until it accepts connections again.
postgres_restart() {
  local ver
  postgres_stop
  ver=$(postgres_cluster_version)
  [[ -n "$ver" ]] || die "no PostgreSQL cluster to restart (run postgres_up first)"
  log "starting PostgreSQL $ver"
  pg_ctlcluster "$ver" main start
  wait_port 127.0.0.1 5432 postgres 60
}
