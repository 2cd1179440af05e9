#!/usr/bin/env bash
# The load generator (tests/bench/rtc2sip-bench) against the built gateway:
# every call is set up and media arrives both ways on every call, with SDES,
# plain RTP and DTLS-SRTP toward the simulated phone. Not a speed test: the
# figures depend on the machine (docs/performance.md).
. "$(dirname "$0")/lib.sh"
BENCH=${RTC2SIP_BENCH:-$TOP/tests/bench/rtc2sip-bench}

# field FILE NAME: a top-level number of the bench's JSON object.
field() {
  python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]])' "$1" "$2"
}

# bench NAME CALLS ARGS...: runs it and checks the outcome.
bench() {
  local name=$1 calls=$2; shift 2
  local out=$WORK/$name.out
  "$BENCH" --gateway "$RTC2SIP" --calls "$calls" --json "$@" >"$out" 2>&1
  local rc=$?
  sed 's/^/# /' "$out" | grep -v '^# {'
  check "$name: the bench exits 0 (rc=$rc)" [ $rc -eq 0 ]
  local up both gw
  up=$(field "$out" calls_set_up 2>/dev/null)
  both=$(field "$out" calls_media_both_ways 2>/dev/null)
  gw=$(field "$out" gateway_exit 2>/dev/null)
  check "$name: all $calls calls set up ($up)" [ "$up" = "$calls" ]
  check "$name: media arrived both ways on every call ($both)" [ "$both" = "$calls" ]
  check "$name: the gateway stopped cleanly on SIGTERM (status $gw)" [ "$gw" = 0 ]
}

if [ ! -x "$BENCH" ]; then
  not_ok "tests/bench/rtc2sip-bench is built (make)"
else
  bench "sdes, 50 calls" 50 --duration 5 --rate 25 --keying sdes
  bench "rtp, 5 calls" 5 --duration 3 --rate 10 --keying rtp
  bench "dtls-srtp, 5 calls" 5 --duration 3 --rate 10 --keying dtls-srtp
  bench "pcma 10 ms, 3 calls" 3 --duration 2 --rate 10 --codec pcma --ptime 10
fi
plan_done
