#!/usr/bin/env bash
# Prints the Python 3.9 the posix end-to-end tests run QATrack+ 3.1.1.x on (the release's own
# interpreter line: upstream's docs/install and requirements pin 3.9). Looks, in order, at
# $QATRACK_TEST_PYTHON, pyenv's 3.9 versions (newest patch first), then python3.9 on PATH.
# Exits 1 with what to install when there is none.
set -euo pipefail
candidates=()
[ -n "${QATRACK_TEST_PYTHON:-}" ] && candidates+=("$QATRACK_TEST_PYTHON")
roots=()
if command -v pyenv >/dev/null 2>&1; then roots+=("$(pyenv root)"); fi
roots+=("${PYENV_ROOT:-$HOME/.pyenv}")
for r in "${roots[@]}"; do
  # Newest 3.9 patch first (3.9.18 before 3.9.9).
  while IFS= read -r d; do candidates+=("$d/bin/python3.9"); done < <(ls -d "$r"/versions/3.9.* 2>/dev/null | sort -t. -k3,3nr)
done
command -v python3.9 >/dev/null 2>&1 && candidates+=("$(command -v python3.9)")
for p in "${candidates[@]}"; do
  if [ -x "$p" ] && "$p" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info[:2] == (3, 9) else 1)' 2>/dev/null; then
    echo "$p"
    exit 0
  fi
done
echo "No Python 3.9 with venv and ensurepip found (looked at \$QATRACK_TEST_PYTHON, pyenv's versions/3.9.*, python3.9 on PATH)." >&2
echo "Install one: 'pyenv install 3.9.18', or set QATRACK_TEST_PYTHON to a python3.9 executable." >&2
exit 1
