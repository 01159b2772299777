#!/usr/bin/env bash
# lab/scripts/prereqs.sh - make sure a Docker engine and Compose v2 are usable.
#
# Idea: check first (fast path: three quick probes, nothing else when all is there).
# Only when something is missing, and only as root on Debian, fix it:
#   - docker engine + CLI: Debian's docker.io (plus docker-cli on trixie and later,
#     where the CLI was split out);
#   - Compose v2: Debian's docker-compose package. bookworm only has Compose v1
#     (1.29), so on bookworm trixie is added as an apt source pinned at priority 100
#     (nothing is taken from it unless asked) and docker-compose alone is installed
#     from it with --no-install-recommends: it depends only on libc6, and its
#     Recommends (docker-cli) would replace bookworm's docker.io;
#   - engine not running: systemctl when systemd is PID 1, else dockerd in the
#     background (log: /var/log/h2c-lab-dockerd.log), waiting bounded for `docker info`.
# Anything else (not root, not Debian, --check): print the exact commands to run.
set -euo pipefail

readonly TRIXIE_SOURCE=/etc/apt/sources.list.d/h2c-lab-trixie.sources
readonly TRIXIE_PIN=/etc/apt/preferences.d/h2c-lab-trixie
readonly DOCKERD_LOG=/var/log/h2c-lab-dockerd.log
readonly ENGINE_WAIT_S=60

usage() {
  cat <<EOF
usage: $(basename "$0") [--check] [--help]
  Ensure a running Docker engine and Docker Compose v2 (installs on Debian as root).
  --check   only report what is missing and the commands that would fix it
EOF
}

CHECK_ONLY=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --check) CHECK_ONLY=1 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

# --- step reporting: each step says what it does and how long it took -------
now_ms() { date +%s%3N; }
STEP_T0=0
step_start() { STEP_T0=$(now_ms); printf '[prereqs] %s ...\n' "$1"; }
step_done() { printf '[prereqs]   done (%s) in %d.%03d s\n' "$1" $(( ($(now_ms)-STEP_T0)/1000 )) $(( ($(now_ms)-STEP_T0)%1000 )); }
die() { printf '[prereqs] ERROR: %s\n' "$*" >&2; exit 1; }

# --- probes (all bounded) ------------------------------------------------------
have_cli() { command -v docker >/dev/null 2>&1; }
engine_up() { timeout 10 docker info >/dev/null 2>&1; }
have_compose_v2() { timeout 10 docker compose version >/dev/null 2>&1; }
is_debian() { [ -r /etc/os-release ] && grep -qE '^(ID|ID_LIKE)=.*debian' /etc/os-release; }
systemd_is_init() { [ "$(ps -p 1 -o comm= 2>/dev/null)" = systemd ]; }

# Major version of the docker-compose apt candidate (empty when unknown).
compose_candidate_major() {
  apt-cache policy docker-compose 2>/dev/null | sed -n 's/^ *Candidate: *\([0-9]*\).*/\1/p'
}

# Whether the CLI lives in its own package (trixie and later) or inside docker.io.
cli_is_split() { apt-cache show docker-cli >/dev/null 2>&1; }

# --- fixes -----------------------------------------------------------------------
apt_install() {
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -q --no-install-recommends "$@"
}

install_engine() {
  step_start "installing the Docker engine from Debian (docker.io)"
  timeout 300 apt-get update -q >/dev/null
  if cli_is_split; then apt_install docker.io docker-cli; else apt_install docker.io; fi
  step_done "docker.io installed"
}

add_trixie_source() {
  [ -f "$TRIXIE_SOURCE" ] && [ -f "$TRIXIE_PIN" ] && return 0
  cat >"$TRIXIE_SOURCE" <<'EOF'
# Added by h2c-lab lab/scripts/prereqs.sh: trixie only for docker-compose (Compose v2).
# Pinned low in /etc/apt/preferences.d/h2c-lab-trixie: nothing comes from it unless asked.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  cat >"$TRIXIE_PIN" <<'EOF'
# Added by h2c-lab lab/scripts/prereqs.sh: take nothing from trixie unless asked (-t trixie).
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
}

install_compose() {
  step_start "installing Compose v2 (Debian package docker-compose)"
  [ "$(compose_candidate_major)" = 2 ] || timeout 300 apt-get update -q >/dev/null
  if [ "$(compose_candidate_major)" = 2 ]; then
    apt_install docker-compose
  else
    echo "[prereqs]   this suite only has Compose v1: adding trixie, pinned at priority 100"
    add_trixie_source
    timeout 300 apt-get update -q >/dev/null
    # Show what would come from trixie before doing it: must be docker-compose alone.
    local from_trixie
    from_trixie=$(apt-get -s install --no-install-recommends -t trixie docker-compose \
                  | sed -n 's/^Inst \([^ ]*\) .*/\1/p' | tr '\n' ' ')
    echo "[prereqs]   packages to install: ${from_trixie:-none}"
    [ "$from_trixie" = "docker-compose " ] \
      || die "installing docker-compose from trixie would also install: $from_trixie - refusing; install Compose v2 by hand"
    apt_install -t trixie docker-compose
  fi
  have_compose_v2 || die "docker-compose installed but 'docker compose version' fails; check /usr/libexec/docker/cli-plugins/docker-compose"
  step_done "$(docker compose version)"
}

start_engine() {
  step_start "starting the Docker engine"
  if systemd_is_init; then
    timeout 120 systemctl start docker
  elif pgrep -x dockerd >/dev/null; then
    echo "[prereqs]   dockerd is already running; waiting for it to answer"
  else
    echo "[prereqs]   no systemd as PID 1: running dockerd in the background, log $DOCKERD_LOG"
    # setsid: the daemon must outlive this script and its terminal.
    setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  fi
  local waited=0
  until engine_up; do
    [ "$waited" -lt "$ENGINE_WAIT_S" ] \
      || die "the engine did not answer 'docker info' within ${ENGINE_WAIT_S}s; see $DOCKERD_LOG"
    sleep 1; waited=$((waited + 1))
  done
  step_done "engine $(docker info --format '{{.ServerVersion}}') up"
}

# --- plan for people who cannot (or asked not to) let the script act ---------------
print_plan() {
  echo "[prereqs] to fix it, run as root on Debian:"
  have_cli || echo "  apt-get update && apt-get install -y --no-install-recommends docker.io   # plus docker-cli on trixie+"
  if ! have_compose_v2; then
    cat <<EOF
  # Compose v2 (bookworm has only v1): trixie source pinned low, then docker-compose alone
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' > $TRIXIE_SOURCE
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' > $TRIXIE_PIN
  apt-get update && apt-get install -y --no-install-recommends -t trixie docker-compose
EOF
  fi
  if have_cli && ! engine_up; then
    local why
    why=$(timeout 10 docker info 2>&1 || true)
    if [[ "$why" == *"permission denied"* ]]; then
      echo "  # the engine runs, but this user may not use its socket:"
      echo "  usermod -aG docker $(id -un)   # then log in again (or run the lab with sudo)"
    else
      echo "  systemctl start docker        # with systemd; otherwise:"
      echo "  setsid nohup dockerd >>$DOCKERD_LOG 2>&1 </dev/null &"
    fi
  fi
}

main() {
  step_start "checking docker CLI, engine and Compose v2"
  local missing=()
  have_cli || missing+=("docker CLI/engine")
  if have_cli && ! engine_up; then missing+=("usable engine (not running, or no access to its socket)"); fi
  have_cli && have_compose_v2 || missing+=("Compose v2")
  if [ ${#missing[@]} -eq 0 ]; then
    step_done "all present: engine $(docker info --format '{{.ServerVersion}}'), $(docker compose version --short 2>/dev/null || true)"
    return 0
  fi
  step_done "missing: ${missing[*]}"

  if [ "$CHECK_ONLY" = 1 ] || [ "$(id -u)" != 0 ] || ! is_debian; then
    [ "$CHECK_ONLY" = 1 ] || echo "[prereqs] not root on Debian: not changing this machine"
    print_plan
    exit 1
  fi
  # A docker CLI without the daemon (e.g. a static CLI in /usr/local/bin) still needs docker.io.
  if ! have_cli || ! command -v dockerd >/dev/null 2>&1; then install_engine; fi
  have_compose_v2 || install_compose
  engine_up || start_engine
  echo "[prereqs] ready: engine $(docker info --format '{{.ServerVersion}}'), compose $(docker compose version --short)"
}

main
