#!/usr/bin/env bash
# Install the browser assets the HTML book serves itself (MathJax 3, RequireJS, the
# Jupyter widgets HTML manager) from the npm registry into node_modules/, exactly as
# pinned in package-lock.json. tools/offline_assets.py copies them into the built book.
# Installs Debian's nodejs/npm first when npm is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq nodejs npm >/dev/null
fi
# --ignore-scripts: no package needs an install script for the files we copy.
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
