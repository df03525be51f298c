#!/usr/bin/env bash
# Install everything the tests need on a fresh Debian machine, then run them all.
# Debian packages: chromium (browser tests, driven by Playwright), nginx (hosting test) and
# nodejs/npm (html-validate).
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_packages+=(nginx)
command -v npm >/dev/null || apt_packages+=(nodejs npm)
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
# html-validate (tests/test_html_valid.py), pinned by tests/node/package-lock.json.
npm ci --prefix tests/node --no-audit --no-fund --silent

.venv/bin/python -m pytest "$@"
