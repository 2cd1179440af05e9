#!/usr/bin/env bash
# Generates, configures (once) and builds rtc2sip in the source tree.
# Extra configure flags come from $RTC2SIP_CONFIGURE_FLAGS.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="${RTC2SIP_CONFIGURE_FLAGS:-}"
[ "${CI:-}" = true ] && flags="$flags --enable-werror"
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
  ./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi
# Reconfigure when the flags changed since last time.
if [ ! -f Makefile ] || [ "$(cat .configure-flags 2>/dev/null)" != "$flags" ]; then
  # shellcheck disable=SC2086
  ./configure $flags >/dev/null || { echo "configure failed (see config.log)" >&2; exit 1; }
  echo "$flags" > .configure-flags
fi
make -j"$(nproc)" >/dev/null || make
