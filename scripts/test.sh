#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run them all.
# Debian packages: chromium (browser tests, driven by Playwright) and nginx (hosting test).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/python -m pytest "$@"
