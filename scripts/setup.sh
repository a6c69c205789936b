#!/usr/bin/env bash
# Install what the project needs on Debian/Ubuntu.
#
#   bash scripts/setup.sh                      development and tests: everything, in .venv here
#   bash scripts/setup.sh --role ROLE [--prefix DIR]
#                                              one machine of an office, in DIR (default /opt/motcua):
#                                              hub | kiosk | counter | board | central
#
# A role install copies the application to DIR/app, makes a Python environment DIR/venv with only
# that role's dependency group of pyproject.toml, puts the `motcua` command in DIR/bin, the
# systemd units (or the kiosk-session files) with DIR filled in under DIR/share/motcua, and prints
# the installed size. Idempotent: a second run installs nothing and takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(python3 python3-venv python3-pip libgl1 libegl1 libmtdev1 libzbar0 libusb-1.0-0 fonts-dejavu-core fonts-liberation2 postgresql poppler-utils espeak-ng cups-client systemd chromium chromium-driver)
# What each machine needs from Debian (a kiosk has no PostgreSQL, poppler or test tools).
declare -A ROLE_APT=(
    [hub]="python3 python3-venv"
    [kiosk]="python3 python3-venv libgl1 libegl1 libmtdev1 libzbar0 libusb-1.0-0 fonts-dejavu-core"
    [counter]="python3 python3-venv libgl1 libegl1 libmtdev1 fonts-dejavu-core fonts-liberation2 cups-client"
    [board]="python3 python3-venv libgl1 libegl1 libmtdev1 fonts-dejavu-core"
    [central]="python3 python3-venv postgresql"
)

role="" prefix="/opt/motcua"
while [ $# -gt 0 ]; do
    case "$1" in
        --role) role="${2:-}"; shift 2 ;;
        --prefix) prefix="${2:-}"; shift 2 ;;
        *) echo "setup: unknown option $1 (use --role hub|kiosk|counter|board|central [--prefix DIR])" >&2; exit 2 ;;
    esac
done
if [ -n "$role" ] && [ -z "${ROLE_APT[$role]:-}" ]; then
    echo "setup: unknown role '$role' (hub, kiosk, counter, board or central)" >&2
    exit 2
fi

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "setup: installing Debian packages: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

if [ -z "$role" ]; then
    apt_install "${APT_PACKAGES[@]}"
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
    exit 0
fi

# ---- one machine of an office ----------------------------------------------------------------
# shellcheck disable=SC2086  # the role's package list is meant to split
apt_install ${ROLE_APT[$role]}
umask 022
mkdir -p "$prefix"
prefix="$(cd "$prefix" && pwd)"
stamp="$prefix/venv/.installed-$role-$(tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    --exclude=__pycache__ -cf - pyproject.toml main.py office hub devices forms central sync demo kiosk counter \
    display uikit web benchmarks testkit assets deploy | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
    echo "setup: installing the $role of an office in $prefix"
    rm -rf "$prefix/app.new"
    mkdir -p "$prefix/app.new"
    tar --exclude=__pycache__ -cf - pyproject.toml README.md config.example.toml kiosk.example.toml main.py \
        office hub devices forms central sync demo kiosk counter display uikit web benchmarks testkit assets deploy \
        | tar -C "$prefix/app.new" -xf -
    rm -rf "$prefix/app"
    mv "$prefix/app.new" "$prefix/app"
    [ -x "$prefix/venv/bin/python" ] || python3 -m venv "$prefix/venv"
    "$prefix/venv/bin/pip" install -q --upgrade pip
    (cd "$prefix/app" && "$prefix/venv/bin/pip" install -q --group "$role")
    mkdir -p "$prefix/bin"
    printf '#!/bin/sh\nexec "%s/venv/bin/python" "%s/app/main.py" "$@"\n' "$prefix" "$prefix" > "$prefix/bin/motcua"
    chmod 755 "$prefix/bin/motcua"
    # the units with this prefix, ready to copy (README, "Set up your office")
    share="$prefix/share/motcua"
    rm -rf "$share"
    mkdir -p "$share"
    case "$role" in
        hub|central) src=deploy/systemd ;;
        *) src=deploy/kiosk-session ;;
    esac
    for f in "$src"/*; do
        sed "s#/opt/motcua#$prefix#g" "$f" > "$share/$(basename "$f")"
    done
    chmod --reference="$src/xinitrc" "$share/xinitrc" 2>/dev/null || true
    rm -f "$prefix"/venv/.installed-*
    touch "$stamp"
fi
echo "setup: $role installed in $prefix — Python environment $(du -sm "$prefix/venv" | cut -f1) MB," \
     "application $(du -sm "$prefix/app" | cut -f1) MB; run it with $prefix/bin/motcua"
