#!/usr/bin/env bash
# install-deps.sh — install every build and test dependency of ward from Debian
# packages. Idempotent and quiet: does nothing when everything is present.
# Usage: scripts/install-deps.sh [--check]   (--check: exit 1 if something is missing)
set -euo pipefail

PKGS=(
  build-essential cmake ccache pkg-config git python3 curl
  libyaml-cpp-dev libre2-dev libabsl-dev libfmt-dev libcurl4-openssl-dev
  libboost1.81-dev libprotobuf-dev protobuf-compiler libsnappy-dev libzstd-dev
  libroaring-dev libxxhash-dev libcli11-dev zlib1g-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  chromium  # web UI browser tests (tests/ui, driven by playwright-core)
)

# The UI build needs Node.js and npm; use the machine's when present (it may
# come from outside Debian), else Debian's.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "${1:-}" = "--check" ]; then
  echo "missing: ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  rm -f "$log"
  echo "install-deps: apt-get failed" >&2
  exit 1
fi
rm -f "$log"
