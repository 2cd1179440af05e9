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
# browser authentication, does not start; TLS ([http] certificate and
# private-key) plus a token does, quietly; allow-insecure plus a token does,
# with a warning. (Admin and SIP stay on loopback.)
out=$("$RTC2SIP" --set http.listen=0.0.0.0:0 --set admin.listen=127.0.0.1:0 --set sip.listen=udp:127.0.0.1:0 2>&1); rc=$?
check "0.0.0.0 without TLS refuses to start (rc=$rc)" [ $rc -ne 0 ]
check "… and says why: the microphone needs a secure origin; names certificate, private-key and allow-insecure" \
  grep -q '^http.listen: not a loopback address.*microphone only on a secure origin.*http.certificate and http.private-key.*http.allow-insecure = true' <<<"$out"
check "… and that auth = none is not for exposed listeners" grep -q '^browser.auth: none lets anyone' <<<"$out"
cert=$TOP/tests/data/certs/test.pem ckey=$TOP/tests/data/certs/test.key
out=$("$RTC2SIP" --set http.listen=0.0.0.0:0 --set http.certificate="$cert" --set http.private-key="$ckey" --check-config 2>&1); rc=$?
check "0.0.0.0 with a certificate still refuses auth = none" sh -c "[ $rc -ne 0 ] && ! echo '$out' | grep -q '^http.listen' && echo '$out' | grep -q '^browser.auth: none'"
out=$("$RTC2SIP" --set http.certificate="$cert" --check-config 2>&1); rc=$?
check "a certificate without its private key is refused by --check-config" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q '^http.private-key: http.certificate needs its private key'"
out=$("$RTC2SIP" --set http.certificate="$WORK/missing.pem" --set http.private-key="$ckey" --check-config 2>&1); rc=$?
check "an unreadable certificate file is named by --check-config" sh -c "[ $rc -ne 0 ] && echo '$out' | grep -q '^http.certificate: cannot read $WORK/missing.pem: No such file'"
out=$("$RTC2SIP" --set http.certificate="$cert" --set http.private-key="$TOP/tests/data/certs/other.key" \
  --set admin.listen=127.0.0.1:0 --set sip.listen=udp:127.0.0.1:0 2>&1 >/dev/null); rc=$?
check "a private key of another certificate does not start, naming both files" \
  sh -c "[ $rc -eq 1 ] && echo '$out' | grep -q 'other.key does not hold the key of .*test.pem'"
"$RTC2SIP" --set http.listen=0.0.0.0:0 --set http.certificate="$cert" --set http.private-key="$ckey" \
  --set browser.auth=token --set browser.secret=a-secret-for-the-test --set admin.listen=127.0.0.1:0 \
  --set sip.listen=udp:127.0.0.1:0 >"$WORK/tls.out" 2>&1 &
pid=$!
if wait_for_line "serving https://0.0.0.0:" 10 "$WORK/tls.out"; then
  ok "0.0.0.0 with a certificate, a key and a token starts, serving https"
  check "… without the insecure warning" sh -c "! grep -q 'WARNING' '$WORK/tls.out'"
  tp=$(sed -n 's|.*serving https://0.0.0.0:\([0-9]*\)/.*|\1|p' "$WORK/tls.out")
  code=$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$tp/")
  check "… and serves the page over https ($code)" [ "$code" = 200 ]
  check "… and its default origin is https" grep -q "pages may open /ws from: same-host https on port $tp" "$WORK/tls.out"
else
  not_ok "0.0.0.0 with a certificate, a key and a token starts"; cat "$WORK/tls.out"
fi
kill -INT $pid; wait $pid
check "… and stops with status 0" [ $? -eq 0 ]
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
  # The same with TLS on the page listener: a request, a reload, a failed reload.
  port=$(free_port)
  cp "$cert" "$WORK/vg.pem"; cp "$ckey" "$WORK/vg.key"
  valgrind --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=99 \
    --log-file="$WORK/valgrind-tls.log" "$RTC2SIP" --set http.listen=127.0.0.1:$port \
    --set http.certificate="$WORK/vg.pem" --set http.private-key="$WORK/vg.key" >"$WORK/vg-tls.out" 2>&1 &
  pid=$!
  if wait_for_line "serving https://" 60 "$WORK/vg-tls.out"; then
    curl -sk -o /dev/null "https://127.0.0.1:$port/"
    kill -HUP $pid; wait_for_line "certificate is now" 20 "$WORK/vg-tls.out"
    echo broken >"$WORK/vg.pem"; kill -HUP $pid; wait_for_line "reload: keeping" 20 "$WORK/vg-tls.out"
    curl -sk -o /dev/null "https://127.0.0.1:$port/"
    kill -TERM $pid; wait $pid; rc=$?
    check "valgrind: no definite leaks or memory errors with TLS, two reloads and SIGTERM (rc=$rc)" [ $rc -eq 0 ]
    [ $rc -eq 0 ] || tail -40 "$WORK/valgrind-tls.log"
  else
    not_ok "valgrind: the gateway starts with TLS under valgrind"; kill $pid
  fi
else
  skip "valgrind not installed"
fi
plan_done
