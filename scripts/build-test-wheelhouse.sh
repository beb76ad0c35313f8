#!/usr/bin/env bash
# Downloads the test fixture's wheelhouse (and uv) from PyPI into a cache folder keyed by the
# requirements' hash. Idempotent: the second run finds the folder and touches no network.
# Prints the wheelhouse folder on stdout.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
req="$root/test/fixtures/qatrack-fixture/requirements/base.txt"
python="${QATRACK_TEST_PYTHON:-/usr/bin/python3}"
cache="${QATRACK_TEST_CACHE:-$root/.cache}"
key="$( (cat "$req"; "$python" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
dest="$cache/wheelhouse-$key"
if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  # Debian's python3 may lack pip (python3-pip); a throw-away venv always has it (python3-venv).
  pip=("$python" -m pip)
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    "$python" -m venv "$dest.tmp/pip-venv" >&2
    pip=("$dest.tmp/pip-venv/bin/python" -m pip)
  fi
  # Binary wheels for this machine's Python (the test fixture's requirements), and uv.
  "${pip[@]}" download --quiet --disable-pip-version-check --only-binary=:all: \
    --dest "$dest.tmp/wheels" -r "$req" >&2
  "${pip[@]}" download --quiet --disable-pip-version-check --only-binary=:all: \
    --dest "$dest.tmp/tools" uv==0.9.5 >&2
  cp "$req" "$dest.tmp/wheels/requirements.txt"
  mkdir -p "$dest.tmp/uv"
  "$python" -m zipfile -e "$dest.tmp"/tools/uv-*.whl "$dest.tmp/uv-unpacked" >&2
  cp "$dest.tmp"/uv-unpacked/uv-*.data/scripts/uv "$dest.tmp/uv/uv"
  chmod 0755 "$dest.tmp/uv/uv"
  rm -rf "$dest.tmp/uv-unpacked" "$dest.tmp/pip-venv"
  touch "$dest.tmp/.complete"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
fi
echo "$dest"
