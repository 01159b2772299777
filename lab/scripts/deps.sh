#!/usr/bin/env bash
# lab/scripts/deps.sh - installs the Debian packages needed to build h2c-probe
# and to run the local (no Docker) tests: compiler, the probe's libraries
# (libcurl, nghttp2, cJSON via pkg-config) and the local servers under test
# (gevent, waitress, nghttpx) plus curl/nc for poking at them by hand, and
# what the report tests use: headless Chromium (+ a font, so text renders in
# the screenshot), xmllint for junit.xml, jq for the upstream-test checks, and
# the linters of the lint suite (tests/lint.sh: shellcheck, pyflakes3), and
# clang with its libFuzzer runtime for the fuzz harnesses (c-client/fuzz/).
#
# Idea: cheap when nothing is missing (one dpkg-query), so `make test` can call
# it every time. As root it installs only what is missing, running
# `apt-get update` only when apt does not know a package yet (at most once).
# As a normal user it prints the exact command to run and fails.
set -euo pipefail

PACKAGES=(build-essential pkg-config libcurl4-openssl-dev libnghttp2-dev libcjson-dev
          python3-gevent python3-waitress nghttp2-proxy nghttp2-client curl netcat-openbsd
          chromium fonts-dejavu-core libxml2-utils jq shellcheck pyflakes3
          clang libclang-rt-14-dev)

usage() {
  cat <<EOF
usage: $0 [--check] [--help]
  Installs what is missing of: ${PACKAGES[*]}
  --check   only report; exit 1 if something is missing (never installs)
EOF
}

say() { echo "deps: $*" >&2; }

installed() {
  [ "$(dpkg-query -W -f '${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do installed "$p" || echo "$p"; done
}

# True when apt has no candidate for some package (empty or stale lists).
needs_update() {
  local p
  compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null || return 0
  for p in "$@"; do
    apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || return 0
  done
  return 1
}

apt_update() {
  say "running apt-get update"
  timeout 600 apt-get -o Acquire::Check-Valid-Until=false -qq update
}

apt_install() {
  DEBIAN_FRONTEND=noninteractive timeout 1800 apt-get install -y -qq --no-install-recommends "$@" </dev/null
}

main() {
  local check_only=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --check) check_only=1 ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; exit 2 ;;
    esac
    shift
  done
  command -v dpkg-query >/dev/null || { say "dpkg-query not found: this script needs Debian or Ubuntu"; exit 1; }

  local missing
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#PACKAGES[@]} packages present (checked in $SECONDS s)"
    exit 0
  fi
  say "missing: ${missing[*]}"
  if [ $check_only -eq 1 ]; then exit 1; fi
  if [ "$(id -u)" -ne 0 ]; then
    say "not root; run this (then re-run your command):"
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi

  local started=$SECONDS updated=0
  if needs_update "${missing[@]}"; then apt_update; updated=1; fi
  say "installing ${#missing[@]} package(s)"
  if ! apt_install "${missing[@]}"; then
    [ $updated -eq 0 ] || { say "apt-get install failed (see above)"; exit 1; }
    say "install failed; retrying once after apt-get update"
    apt_update
    apt_install "${missing[@]}" || { say "apt-get install failed (see above)"; exit 1; }
  fi
  mapfile -t missing < <(missing_packages)
  if [ ${#missing[@]} -ne 0 ]; then say "still missing after install: ${missing[*]}"; exit 1; fi
  say "installed in $((SECONDS - started)) s"
}

main "$@"
