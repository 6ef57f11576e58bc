#!/usr/bin/env bash
# Debian's chromium for the browser tests (browsers cannot be downloaded by npm here).
set -euo pipefail
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
