# Shared helpers for shell interop suites: TAP output, a private state
# folder, free ports, and starting/stopping the gateway.
# Source it: . "$(dirname "$0")/lib.sh"
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RTC2SIP=${RTC2SIP:-$TOP/gateway/rtc2sip}
WORK=$(mktemp -d /tmp/rtc2sip-interop.XXXXXX)
export XDG_STATE_HOME=$WORK/state
tap_n=0

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
# check "description" command...: ok when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
plan_done() { echo "1..$tap_n"; }

# A TCP port nobody listens on now (and UDP too).
free_port() {
  python3 - <<'PY'
import socket
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); u.close(); s.close(); print(p); break
    except OSError:
        s.close(); u.close()
PY
}

# Waits up to $2 seconds (default 10) for "$1" to appear in file $3.
wait_for_line() {
  local pattern=$1 timeout=${2:-10} file=$3 i
  for ((i = 0; i < timeout * 10; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

cleanup_work() {
  local pids
  pids=$(jobs -p)
  [ -n "$pids" ] && kill $pids 2>/dev/null
  wait 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup_work EXIT
