#!/usr/bin/env bash
# Installs what is missing, builds, and starts the gateway on its built-in
# defaults (http://127.0.0.1:8080/). Arguments go to the gateway:
#   ./run.sh --set http.listen=127.0.0.1:18080
set -euo pipefail
cd "$(dirname "$0")"
scripts/deps.sh build
scripts/build.sh
exec ./gateway/rtc2sip "$@"
