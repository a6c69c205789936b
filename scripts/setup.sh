#!/usr/bin/env bash
# Install what the project needs on Debian/Ubuntu (system packages + a venv in .venv).
# Idempotent: a second run installs nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3 python3-venv python3-pip libgl1 libegl1 libmtdev1 libzbar0 libusb-1.0-0 fonts-dejavu-core fonts-liberation2 postgresql poppler-utils espeak-ng cups-client)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing Debian packages: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "setup: creating the Python environment in .venv"
    python3 -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q --group test
    # the project itself (editable, its dependencies are the groups above): puts `motcua` in .venv/bin
    .venv/bin/pip install -q --no-deps -e .
    rm -f .venv/.installed-*
    touch "$stamp"
fi
