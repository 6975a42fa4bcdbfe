#!/usr/bin/env bash
# Install bubblewrap (`bwrap`), the sandbox of `initlab grade`, when it is missing.
exec bash "$(dirname "$0")/install-package.sh" bwrap bubblewrap
