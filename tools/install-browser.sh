#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests when it is missing.
# Playwright cannot download its own browser here; it drives /usr/bin/chromium.
exec bash "$(dirname "$0")/install-package.sh" chromium chromium fonts-dejavu-core
