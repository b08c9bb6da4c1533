# Shared by the scripts: paths, logging, waiting for a port. Source it; it sets nothing else.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="$ROOT/.cache"   # downloads (git-ignored), kept between runs
RUN="$ROOT/.run"       # state, logs and pid files of the services started here (git-ignored)
mkdir -p "$CACHE" "$RUN/log"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# port_open HOST PORT: true when something accepts TCP connections there.
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# wait_port HOST PORT NAME [SECONDS]: wait until the port answers, or fail naming the log to read.
wait_port() {
  local host=$1 port=$2 name=$3 secs=${4:-60} i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$host" "$port" && return 0
    sleep 0.1
  done
  die "$name did not start on $host:$port within ${secs}s; see $RUN/log/$name.log"
}

# apt_install PKG...: installs Debian packages that are missing (runs apt-get update once per script run).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  if [[ -z "${APT_UPDATED:-}" ]]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# pid_alive PID: true when the process runs (a process killed a moment ago can still be there, exiting or a
# zombie: that one does not count).
pid_alive() { kill -0 "$1" 2>/dev/null && [[ "$(ps -o stat= -p "$1" 2>/dev/null)" != Z* ]]; }

# start_bg NAME CMD...: starts CMD in the background, logging to $RUN/log/NAME.log, pid in $RUN/NAME.pid.
start_bg() {
  local name=$1; shift
  nohup "$@" >"$RUN/log/$name.log" 2>&1 &
  echo $! >"$RUN/$name.pid"
}
