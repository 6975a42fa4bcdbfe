#!/usr/bin/env bash
# Install system packages when a command is missing:  install-package.sh COMMAND PACKAGE...
# apt-get (Debian/Ubuntu), else dnf or pacman; as root, or through sudo.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: install-package.sh COMMAND PACKAGE..." >&2; exit 2; }
cmd="$1"
shift
if command -v "$cmd" >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    SUDO="sudo"
fi
if command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq "$@" >/dev/null
elif command -v dnf >/dev/null 2>&1; then
    $SUDO dnf install -y -q "$@"
elif command -v pacman >/dev/null 2>&1; then
    $SUDO pacman -S --noconfirm "$@"
else
    echo "install-package: install $* with your system's package manager (for \`$cmd\`)" >&2
    exit 1
fi
