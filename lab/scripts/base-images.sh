#!/usr/bin/env bash
# lab/scripts/base-images.sh - build the local debian:<suite>-slim base images.
#
# Idea: no registry is reachable, so the lab's base images are made here from
# Debian's own mirror: `debootstrap --variant=minbase`, a few files that make the
# tree behave like the official slim image inside Docker, then `docker import`.
# The finished root tree is cached as a tarball (CACHE_DIR), so re-importing after
# `docker image rm` or on a fresh engine takes seconds instead of a debootstrap.
# An image that already exists is left alone (checked with `docker image inspect`,
# never pulled). The recipe revision is part of the cache name: changing what
# customize_rootfs writes means bumping RECIPE so stale tarballs are not reused.
#
# What goes into every image:
#   /etc/apt/sources.list.d/debian.sources  the suite (+ -updates, -security for
#                                            released suites), deb.debian.org
#   /etc/apt/apt.conf.d/99h2c-lab-no-valid-until
#       Acquire::Check-Valid-Until "false"; - the mirror is a frozen snapshot and sid
#       and the -security/-updates suites carry a Valid-Until that has expired
#   /etc/apt/apt.conf.d/docker-clean, docker-no-languages, /etc/dpkg/dpkg.cfg.d/docker-slim
#       keep layers small (no .deb cache, no translations, no docs/man/locales) like
#       the official slim images
# Minbase leaves the apt lists empty: every Dockerfile starts with apt-get update.
set -euo pipefail

readonly MIRROR=http://deb.debian.org/debian
readonly SECURITY_MIRROR=http://deb.debian.org/debian-security
readonly CACHE_DIR=${H2C_LAB_CACHE:-/var/cache/h2c-lab}
readonly RECIPE=r2
readonly DEFAULT_SUITES=(bullseye bookworm trixie sid)

usage() {
  cat <<EOF
usage: $(basename "$0") [--rebuild] [suite...]
  Build debian:<suite>-slim locally when it is missing (default suites: ${DEFAULT_SUITES[*]}).
  Known suites: bullseye bookworm trixie sid.
  --rebuild  re-run debootstrap even when a cached tarball exists, and replace the image
  Cache: $CACHE_DIR (override with H2C_LAB_CACHE=DIR). Needs root, debootstrap, docker.
EOF
}

now_ms() { date +%s%3N; }
STEP_T0=0
step_start() { STEP_T0=$(now_ms); printf '[base-images] %s ...\n' "$1"; }
step_done() { printf '[base-images]   done (%s) in %d.%03d s\n' "$1" $(( ($(now_ms)-STEP_T0)/1000 )) $(( ($(now_ms)-STEP_T0)%1000 )); }
die() { printf '[base-images] ERROR: %s\n' "$*" >&2; exit 1; }

# Suites released as stable have -updates and -security; sid has neither.
is_released() { case "$1" in bullseye|bookworm|trixie) return 0 ;; *) return 1 ;; esac; }

write_sources() { # rootfs suite
  local root=$1 suite=$2 suites=$2
  is_released "$suite" && suites="$suite $suite-updates"
  rm -f "$root/etc/apt/sources.list"
  {
    echo "# Written by h2c-lab lab/scripts/base-images.sh"
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$MIRROR" "$suites"
    if is_released "$suite"; then
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$SECURITY_MIRROR" "$suite"
    fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
}

write_apt_dpkg_config() { # rootfs
  local root=$1
  cat >"$root/etc/apt/apt.conf.d/99h2c-lab-no-valid-until" <<'EOF'
// h2c-lab: the mirror is a frozen snapshot; sid and the -security/-updates suites
// carry a Valid-Until date that has passed. Without this apt-get update refuses them.
Acquire::Check-Valid-Until "false";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-no-languages" <<'EOF'
// h2c-lab: no Translation-* indexes; nothing in the lab reads package descriptions.
Acquire::Languages "none";
EOF
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
// h2c-lab: no downloaded .deb files or binary caches left in image layers.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  mkdir -p "$root/etc/dpkg/dpkg.cfg.d"
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
# h2c-lab: slim image - no docs (except copyright), manuals or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
EOF
}

# Remove what the slim dpkg rules would have kept out, plus host leftovers.
slim_down() { # rootfs
  local root=$1
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "$root"/usr/share/{man,groff,info,lintian,locale}/* "$root"/var/cache/apt/archives/*.deb
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/log/*.log "$root"/var/cache/debconf/*-old
  # Docker provides these at run time; do not bake the build host's into the image.
  rm -f "$root/etc/resolv.conf" "$root/etc/hostname"
  : >"$root/etc/resolv.conf"; : >"$root/etc/hostname"
}

customize_rootfs() { # rootfs suite
  # Guard: these functions write below $1; never let that be the host's own root.
  if [ -z "$1" ] || [ "$1" = / ] || [ ! -f "$1/etc/debian_version" ]; then
    die "refusing to customize '$1': not a debootstrapped tree"
  fi
  write_sources "$1" "$2"
  write_apt_dpkg_config "$1"
  slim_down "$1"
}

# Unmount anything debootstrap left mounted, then delete the tree (never crossing
# into another file system).
remove_tree() { # dir
  local dir=$1 m
  [ -d "$dir" ] || return 0
  while read -r m; do umount -l "$m" 2>/dev/null || true; done \
    < <(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r)
  rm -rf --one-file-system "$dir"
}

build_tarball() { # suite tarball
  local suite=$1 tarball=$2 work
  work=$(mktemp -d "$CACHE_DIR/rootfs-$suite.XXXXXX")
  # shellcheck disable=SC2064  # expand now: the trap must clean this very dir
  trap "remove_tree '$work'" EXIT
  step_start "debootstrap --variant=minbase $suite (log: $CACHE_DIR/debootstrap-$suite.log)"
  timeout 900 debootstrap --variant=minbase "$suite" "$work/root" "$MIRROR" \
      >"$CACHE_DIR/debootstrap-$suite.log" 2>&1 \
    || die "debootstrap $suite failed; last lines of $CACHE_DIR/debootstrap-$suite.log:
$(tail -5 "$CACHE_DIR/debootstrap-$suite.log")"
  step_done "$(du -sh "$work/root" | cut -f1) root tree"
  step_start "customizing and caching the $suite root tree as $tarball"
  customize_rootfs "$work/root" "$suite"
  tar --numeric-owner -C "$work/root" -cf "$tarball.tmp" .
  mv -f "$tarball.tmp" "$tarball"
  remove_tree "$work"
  trap - EXIT
  step_done "$(du -h "$tarball" | cut -f1)"
}

import_image() { # suite tarball
  local suite=$1 tarball=$2 image="debian:$1-slim"
  step_start "docker import $tarball as $image"
  timeout 600 docker import \
      --change 'CMD ["bash"]' \
      --change "LABEL org.h2c-lab.base=\"debootstrap minbase $suite $RECIPE\"" \
      "$tarball" "$image" >/dev/null
  step_done "$(docker image inspect -f '{{.Id}}' "$image" | cut -c1-19)"
}

ensure_suite() { # suite
  local suite=$1 image="debian:$1-slim" tarball="$CACHE_DIR/debian-$1-minbase-$RECIPE.tar"
  [ -f "/usr/share/debootstrap/scripts/$suite" ] || die "debootstrap does not know suite '$suite'"
  if [ "$REBUILD" = 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
    echo "[base-images] $image already present - nothing to do"
    return 0
  fi
  if [ "$REBUILD" = 1 ] || [ ! -f "$tarball" ]; then
    build_tarball "$suite" "$tarball"
  else
    echo "[base-images] reusing cached root tree $tarball"
  fi
  import_image "$suite" "$tarball"
}

REBUILD=0
SUITES=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage; exit 0 ;;
    --rebuild) REBUILD=1 ;;
    -*) usage >&2; exit 2 ;;
    *) SUITES+=("$arg") ;;
  esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=("${DEFAULT_SUITES[@]}")

[ "$(id -u)" = 0 ] || die "needs root (debootstrap); run: sudo $0 ${SUITES[*]}"
# A fresh Debian host has no debootstrap: install it (we are root), as prereqs.sh
# does for Docker, rather than stopping a first `make report` half way.
install_debootstrap() {
  command -v apt-get >/dev/null || die "debootstrap missing and no apt-get; install debootstrap"
  step_start "installing debootstrap (apt-get)"
  timeout 300 apt-get update -q >/dev/null \
    || die "apt-get update failed; run: apt-get update && apt-get install -y debootstrap"
  DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -q --no-install-recommends \
      debootstrap >/dev/null \
    || die "apt-get install debootstrap failed; run it by hand to see why"
  step_done "$(dpkg-query -W -f '${Version}' debootstrap)"
}
command -v debootstrap >/dev/null || install_debootstrap
timeout 10 docker info >/dev/null 2>&1 || die "no Docker engine answering; run lab/scripts/prereqs.sh first"
mkdir -p "$CACHE_DIR"

T0=$(now_ms)
for suite in "${SUITES[@]}"; do ensure_suite "$suite"; done
printf '[base-images] all done in %d s: %s\n' $(( ($(now_ms)-T0)/1000 )) "$(printf 'debian:%s-slim ' "${SUITES[@]}")"
