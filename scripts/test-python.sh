#!/usr/bin/env bash
# Prints the Python 3.9 the posix end-to-end tests run QATrack+ 3.1.1.x on (the release's own
# interpreter line: upstream's docs/install and requirements pin 3.9). Looks, in order, at
# $QATRACK_TEST_PYTHON (when set, only it), else pyenv's 3.9 versions (newest patch first), then
# python3.9 on PATH.
# `test-python.sh 3.12` finds the 4.0 line's Python the same way ($QATRACK_TEST_PYTHON312, pyenv's
# 3.12.*, python3.12): QATrack+ 4.0 requires-python ">=3.12,<3.13".
# Exits 1 with what to install when there is none.
set -euo pipefail
want="${1:-3.9}"
case "$want" in 3.9) var=QATRACK_TEST_PYTHON ;; 3.12) var=QATRACK_TEST_PYTHON312 ;; *) echo "test-python.sh: 3.9 or 3.12, not $want" >&2; exit 64 ;; esac
override="${!var:-}"
minor="${want#3.}"
candidates=()
if [ -n "$override" ]; then
  # An override is the answer: one that does not run is reported, never replaced by another Python.
  if [ -x "$override" ] && "$override" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info[:2] == (3, '"$minor"') else 1)' 2>/dev/null; then
    echo "$override"
    exit 0
  fi
  echo "$var=$override is not a Python $want with venv and ensurepip." >&2
  exit 1
fi
roots=()
if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root)"); fi
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for r in "${roots[@]}"; do
  # Newest patch first (3.9.18 before 3.9.9).
  while IFS= read -r d; do candidates+=("$d/bin/python$want"); done < <(ls -d "$r"/versions/"$want".* 2>/dev/null | sort -t. -k3,3nr)
done
command -v "python$want" >/dev/null 2>&1 && candidates+=("$(command -v "python$want")")
for p in "${candidates[@]}"; do
  if [ -x "$p" ] && "$p" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info[:2] == (3, '"$minor"') else 1)' 2>/dev/null; then
    echo "$p"
    exit 0
  fi
done
echo "No Python $want with venv and ensurepip found (looked at the override variable, pyenv's versions/$want.*, python$want on PATH)." >&2
echo "Install one: 'pyenv install --skip-existing $([ "$want" = 3.9 ] && echo 3.9.18 || echo 3.12.1)', or set $var to a python$want executable." >&2
exit 1
