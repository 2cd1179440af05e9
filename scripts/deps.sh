#!/usr/bin/env bash
# Installs the Debian packages rtc2sip needs, or, when not root, prints the
# exact apt-get line to run. Usage: scripts/deps.sh build|test|bench
set -euo pipefail

build_pkgs=(build-essential autoconf automake pkg-config
  libglib2.0-dev libnice-dev libgnutls28-dev libsrtp2-dev
  libwebsockets-dev libwebsockets-evlib-glib libjson-glib-dev nettle-dev)
# What the test suites drive: real peers (PEERS.md) and inspection tools.
test_pkgs=(curl openssl libssl-dev python3 valgrind clang libclang-rt-14-dev chromium firefox-esr baresip-core sip-tester)
# What the load generator compares against (tests/bench/rtc2sip-bench --target rtpengine).
bench_pkgs=(rtpengine-daemon)

want=("${build_pkgs[@]}")
if [ "${1:-build}" = test ]; then
  want+=("${test_pkgs[@]}")
  command -v node >/dev/null 2>&1 || want+=(nodejs)
  command -v npm >/dev/null 2>&1 || want+=(npm)
fi
[ "${1:-build}" = bench ] && want+=("${bench_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "rtc2sip needs these Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet: update once, then retry.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
