# A project virtualenv in .cache/venv with the Python tools the tests and stand-ins use
# (scripts/requirements.txt). Idempotent: reinstalls only when the requirements change. Exports VENV.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export VENV="$CACHE/venv"

python_up() {
  local req="$ROOT/scripts/requirements.txt" stamp="$VENV/.requirements"
  command -v python3 >/dev/null || apt_install python3 python3-venv
  [[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || { apt_install python3-venv; python3 -m venv "$VENV"; }
  if ! cmp -s "$req" "$stamp"; then
    log "installing Python tools (scripts/requirements.txt)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$req"
    cp "$req" "$stamp"
  fi
}
