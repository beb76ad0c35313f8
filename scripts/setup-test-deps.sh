#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: npm packages and Debian packages.
# Idempotent: a second run installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Debian packages for the real end-to-end tests (nginx, PostgreSQL, Chromium, XML lint, NSIS, wine64,
# Samba's AD domain controller for the sign-in tests...).
need=()
for pair in nginx:nginx-light postgres:postgresql chromium:chromium xmllint:libxml2-utils 7za:p7zip-full \
            makensis:nsis osslsigncode:osslsigncode x86_64-w64-mingw32-gcc:gcc-mingw-w64-x86-64-win32 \
            openssl:openssl file:file wixl:wixl msiinfo:msitools pdfinfo:poppler-utils \
            samba-tool:samba-common-bin samba:samba-ad-dc; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  if ! command -v "$cmd" >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/"$cmd" >/dev/null 2>&1; then need+=("$pkg"); fi
done
# samba-tool's provisioning data (ad-schema/, setup/) is only Recommended by samba-ad-dc.
[ -d /usr/share/samba/setup ] || need+=(samba-ad-provision)
python3 -c 'import venv, ensurepip' 2>/dev/null || need+=(python3-venv)
# Bundle tests: pip builds and resolves Windows wheelhouses; unshare runs installs without a network.
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
command -v unshare >/dev/null 2>&1 || need+=(util-linux)
# The posix sign-in end-to-end builds python-ldap from its sdist (PyPI has no wheel): OpenLDAP and SASL headers.
[ -f /usr/include/ldap.h ] || need+=(libldap2-dev)
[ -f /usr/include/sasl/sasl.h ] || need+=(libsasl2-dev)
# Debian's wine64 puts its loader in /usr/lib/wine (the `wine` wrapper package is not needed).
command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || need+=(wine64)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The posix end-to-end fixture runs on QATrack+ 3.1.1.4's own interpreter line, Python 3.9, which
# Debian does not package: pyenv's (scripts/test-python.sh finds it; QATRACK_TEST_PYTHON overrides).
if ! bash scripts/test-python.sh >/dev/null 2>&1; then
  if command -v pyenv >/dev/null 2>&1; then
    pyenv install --skip-existing 3.9.18
  else
    bash scripts/test-python.sh # prints what to install, exits 1
  fi
fi

# The posix end-to-end fixture's wheelhouse and uv, from PyPI once (cached in .cache/, keyed by the
# requirements' hash; no network on later runs).
bash scripts/build-test-wheelhouse.sh >/dev/null
bash scripts/build-test-wheelhouse.sh python-ldap >/dev/null
