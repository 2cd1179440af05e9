#!/usr/bin/env bash
# The process: identity, fingerprint, configuration checks, serving the page,
# clean stop on SIGTERM, one-line errors, no leaks under valgrind.
. "$(dirname "$0")/lib.sh"

# Identity and fingerprint, compared with openssl.
fp=$("$RTC2SIP" --print-fingerprint 2>/dev/null)
pem=$XDG_STATE_HOME/rtc2sip/identity.pem
key=$XDG_STATE_HOME/rtc2sip/identity.key
ossl=$(openssl x509 -in "$pem" -noout -fingerprint -sha256 | cut -d= -f2)
check "print-fingerprint equals openssl's sha-256 ($fp)" [ "${fp,,}" = "sha-256 ${ossl,,}" ]
check "the certificate is ECDSA on prime256v1" sh -c "openssl x509 -in '$pem' -noout -text | grep -q 'ASN1 OID: prime256v1'"
check "identity.key has mode 0600" [ "$(stat -c %a "$key")" = 600 ]
check "the state folder has mode 0700" [ "$(stat -c %a "$XDG_STATE_HOME/rtc2sip")" = 700 ]
fp2=$("$RTC2SIP" --print-fingerprint 2>/dev/null)
check "a second start reuses the identity" [ "$fp" = "$fp2" ]

# A configured certificate and key replace the generated identity.
cfp=$("$RTC2SIP" --set general.certificate="$TOP/tests/data/certs/test.pem" \
  --set general.private-key="$TOP/tests/data/certs/test.key" --print-fingerprint 2>/dev/null)
want=$(openssl x509 -in "$TOP/tests/data/certs/test.pem" -noout -fingerprint -sha256 | cut -d= -f2)
check "a configured certificate is used" [ "${cfp,,}" = "sha-256 ${want,,}" ]

# Configuration checks.
cat > "$WORK/bad.ini" <<'INI'
[http]
listen = 127.0.0.1:8080
colour = blue
INI
out=$("$RTC2SIP" --config "$WORK/bad.ini" --check-config 2>&1); rc=$?
check "--check-config with an unknown key exits non-zero" [ $rc -ne 0 ]
check "--check-config names the key (http.colour)" grep -q '^http.colour: unknown key' <<<"$out"
out=$("$RTC2SIP" --set http.listen=nowhere --check-config 2>&1); rc=$?
check "--check-config refuses a bad listen address" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q '^http.listen:'"
check "--check-config accepts the defaults" "$RTC2SIP" --check-config
check "--print-config shows the defaults" sh -c "'$RTC2SIP' --print-config | grep -q '^listen = 127.0.0.1:8080'"
check "--version prints the version" sh -c "'$RTC2SIP' --version | grep -q '^rtc2sip [0-9]'"

# Serving the page through ./run.sh, then SIGTERM.
port=$(free_port)
"$TOP/run.sh" --set http.listen=127.0.0.1:$port >"$WORK/run.out" 2>&1 &
pid=$!
if wait_for_line "serving http://127.0.0.1:$port/" 60 "$WORK/run.out"; then
  ok "./run.sh starts and prints its URL and fingerprint"
  check "the start line shows the gateway fingerprint" grep -q "fingerprint $fp" "$WORK/run.out"
  code=$(curl -s -o "$WORK/index.html" -w '%{http_code}' "http://127.0.0.1:$port/")
  check "GET / serves web/www/index.html with 200" sh -c "[ $code = 200 ] && cmp -s '$WORK/index.html' '$TOP/web/www/index.html'"
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/no-such-file")
  check "a missing file gets 404" [ "$code" = 404 ]

  # The same address again: a one-line error naming it, exit status 1.
  out=$("$RTC2SIP" --set http.listen=127.0.0.1:$port 2>&1 >/dev/null); rc=$?
  check "a taken address fails with status 1" [ $rc -eq 1 ]
  check "… and one line naming the address" sh -c "[ \$(printf '%s\n' \"\$1\" | wc -l) -eq 1 ] && printf '%s' \"\$1\" | grep -q '127.0.0.1:$port'" _ "$out"

  start=$(date +%s%N)
  kill -TERM $pid
  wait $pid; rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  check "SIGTERM ends it with status 0 (rc=$rc)" [ $rc -eq 0 ]
  check "… within 2 seconds (${ms} ms)" [ $ms -lt 2000 ]
else
  not_ok "./run.sh starts and prints its URL"; cat "$WORK/run.out"
fi

# Port 0 picks a free port and says which.
"$RTC2SIP" --set http.listen=127.0.0.1:0 >"$WORK/p0.out" 2>&1 &
pid=$!
if wait_for_line "serving http://127.0.0.1:" 10 "$WORK/p0.out"; then
  p0=$(sed -n 's|.*serving http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$WORK/p0.out")
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p0/")
  check "port 0 picks a free port ($p0) and serves on it" sh -c "[ '$p0' != 0 ] && [ $code = 200 ]"
else
  not_ok "port 0 picks a free port"
fi
kill -INT $pid; wait $pid
check "SIGINT ends it with status 0 too" [ $? -eq 0 ]

# Exposed listeners: a non-loopback page listener without TLS, or without
# browser authentication, does not start; allow-insecure plus a token does,
# with a warning. (Admin and SIP stay on loopback.)
out=$("$RTC2SIP" --set http.listen=0.0.0.0:0 --set admin.listen=127.0.0.1:0 --set sip.listen=udp:127.0.0.1:0 2>&1); rc=$?
check "0.0.0.0 without TLS refuses to start (rc=$rc)" [ $rc -ne 0 ]
check "… and says why: the microphone needs https" grep -q '^http.listen: not a loopback address.*microphone only on https.*allow-insecure' <<<"$out"
check "… and that auth = none is not for exposed listeners" grep -q '^browser.auth: none lets anyone' <<<"$out"
out=$("$RTC2SIP" --set http.listen=0.0.0.0:0 --set http.allow-insecure=true --check-config 2>&1); rc=$?
check "allow-insecure alone still needs browser authentication" sh -c "[ $rc -ne 0 ] && ! echo '$out' | grep -q '^http.listen' && echo '$out' | grep -q '^browser.auth'"
"$RTC2SIP" --set http.listen=0.0.0.0:0 --set http.allow-insecure=true --set browser.auth=token \
  --set browser.secret=a-secret-for-the-test --set admin.listen=127.0.0.1:0 --set sip.listen=udp:127.0.0.1:0 \
  >"$WORK/insecure.out" 2>&1 &
pid=$!
if wait_for_line "serving http://0.0.0.0:" 10 "$WORK/insecure.out"; then
  check "with allow-insecure and a token it starts and warns" grep -q 'WARNING.*is not loopback and has no TLS' "$WORK/insecure.out"
else
  not_ok "with allow-insecure and a token it starts"; cat "$WORK/insecure.out"
fi
kill -INT $pid; wait $pid
check "… and stops with status 0" [ $? -eq 0 ]
check "--check-config accepts [::1] and localhost" sh -c "'$RTC2SIP' --set http.listen=[::1]:8080 --check-config && '$RTC2SIP' --set http.listen=localhost:8080 --check-config" 

# No leaks under valgrind: start, serve a request, stop.
if command -v valgrind >/dev/null; then
  port=$(free_port)
  valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    --log-file="$WORK/valgrind.log" "$RTC2SIP" --set http.listen=127.0.0.1:$port >"$WORK/vg.out" 2>&1 &
  pid=$!
  if wait_for_line "serving http://" 60 "$WORK/vg.out"; then
    curl -s -o /dev/null "http://127.0.0.1:$port/"
    curl -s -o /dev/null "http://127.0.0.1:$port/missing"
    kill -TERM $pid; wait $pid; rc=$?
    check "valgrind: no definite leaks or memory errors from start to SIGTERM (rc=$rc)" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || tail -40 "$WORK/valgrind.log"
  else
    not_ok "valgrind: the gateway starts under valgrind"; kill $pid
  fi
else
  skip "valgrind not installed"
fi
plan_done
