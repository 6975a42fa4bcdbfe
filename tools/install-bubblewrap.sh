#!/usr/bin/env bash
# Install bubblewrap (`bwrap`), the sandbox of `initlab grade`, when it is missing.
set -euo pipefail
if command -v bwrap >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq bubblewrap >/dev/null
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y -q bubblewrap
elif command -v pacman >/dev/null 2>&1; then
    $SUDO pacman -S --noconfirm bubblewrap
else
    echo "install-bubblewrap: install the package 'bubblewrap' with your system's package manager" >&2
    exit 1
fi
