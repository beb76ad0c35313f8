#!/usr/bin/env bash
# Downloads the test fixture's wheelhouse (and uv) from PyPI into a cache folder keyed by the
# requirements' hash. Idempotent: the second run finds the folder and touches no network.
# Prints the wheelhouse folder on stdout.
#
# `build-test-wheelhouse.sh python-ldap` instead builds python-ldap for the posix sign-in end-to-end:
# PyPI has only its sdist, so pip builds the wheel with this Python 3.9 against Debian's OpenLDAP and
# SASL headers (libldap2-dev, libsasl2-dev: scripts/setup-test-deps.sh), next to the wheels of its
# dependencies (pyasn1, pyasn1_modules). Cached by a hash of the pin, the Python and the headers'
# Debian versions; prints that folder.
#
# The fixture runs on the release's own stack (QATrack+ 3.1.1.4: Python 3.9, Django 2.2.18), so the
# wheels are for the Python 3.9 that scripts/test-python.sh finds (pyenv's on these machines). The
# requirements are the fixture's requirements/postgres.txt with its `-r base.txt` inlined, as upstream's
# requirements/postgres.txt includes base.txt.
#
# `build-test-wheelhouse.sh 4.0`: the 4.0-line fixture's (test/fixtures/qatrack-fixture-v2-40: Django
# 4.2, django-q2) cp312 wheels for the Python 3.12 that `test-python.sh 3.12` finds, cached the same way.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
line="${1:-3.1}"
case "$line" in
  3.1 | python-ldap)
    reqdir="$root/test/fixtures/qatrack-fixture/requirements"
    python="$(bash "$root/scripts/test-python.sh" 3.9)"
    ;;
  4.0)
    reqdir="$root/test/fixtures/qatrack-fixture-v2-40/requirements"
    python="$(bash "$root/scripts/test-python.sh" 3.12)"
    ;;
  *) echo "build-test-wheelhouse.sh: 3.1, 4.0 or python-ldap, not $line" >&2; exit 64 ;;
esac
cache="${QATRACK_TEST_CACHE:-$root/.cache}"
flat="$(grep -hv '^-r ' "$reqdir/base.txt" "$reqdir/postgres.txt")"
# As the release catalog does (resources/catalog/releases/3.1.1.4.json): setuptools 82 removed
# pkg_resources, which django-q 1.3.4 imports (django_q/conf.py), and a dependency pulls the newest
# setuptools into the wheelhouse, where a reinstall would put it into the venv. django-q2 needs none.
[ "$line" = 3.1 ] && flat="$flat
setuptools<81"
key="$( (echo "$flat"; "$python" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
dest="$cache/wheelhouse-$key"
# This machine's pip configuration is polluted on purpose (extra find-links, global constraints,
# extra index): the download must come from PyPI alone.
export PIP_CONFIG_FILE=/dev/null
unset PIP_FIND_LINKS PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_INDEX_URL PIP_NO_INDEX 2>/dev/null || true

if [ "${1:-}" = python-ldap ]; then
  pin="python-ldap==3.4.4"
  headers="$(dpkg-query -W -f '${Version} ' libldap2-dev libsasl2-dev 2>/dev/null || true)"
  key="$( (echo "$pin"; echo "$headers"; "$python" -c 'import sys; print(sys.version_info[:2])') | sha256sum | cut -c1-16)"
  dest="$cache/python-ldap-$key"
  if [ ! -f "$dest/.complete" ]; then
    [ -f /usr/include/ldap.h ] && [ -f /usr/include/sasl/sasl.h ] ||
      { echo "python-ldap needs libldap2-dev and libsasl2-dev (scripts/setup-test-deps.sh)" >&2; exit 1; }
    rm -rf "$dest.tmp"
    mkdir -p "$dest.tmp"
    "$python" -m pip --isolated wheel --quiet --disable-pip-version-check --no-cache-dir \
      --no-binary=python-ldap --only-binary=pyasn1,pyasn1-modules --wheel-dir "$dest.tmp/wheels" "$pin" >&2
    touch "$dest.tmp/.complete"
    rm -rf "$dest"
    mv "$dest.tmp" "$dest"
  fi
  echo "$dest/wheels"
  exit 0
fi

if [ ! -f "$dest/.complete" ]; then
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  echo "$flat" >"$dest.tmp/requirements.in"
  # Debian's python3 may lack pip (python3-pip); a throw-away venv always has it (python3-venv).
  pip=("$python" -m pip)
  if ! "$python" -m pip --version >/dev/null 2>&1; then
    "$python" -m venv "$dest.tmp/pip-venv" >&2
    pip=("$dest.tmp/pip-venv/bin/python" -m pip)
  fi
  # Binary wheels for this machine's Python (the test fixture's requirements), and uv.
  "${pip[@]}" --isolated download --quiet --disable-pip-version-check --only-binary=:all: \
    --dest "$dest.tmp/wheels" -r "$dest.tmp/requirements.in" >&2
  "${pip[@]}" --isolated download --quiet --disable-pip-version-check --only-binary=:all: \
    --dest "$dest.tmp/tools" uv==0.9.5 >&2
  mv "$dest.tmp/requirements.in" "$dest.tmp/wheels/requirements.txt"
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
