#!/bin/sh
# Captures a real Firefox ESR audio offer: ./capture-firefox.sh OUTFILE
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath "$1")
prof=$(mktemp -d /tmp/ffprof.XXXXXX)
cat > "$prof/user.js" <<PREFS
user_pref("media.navigator.permission.disabled", true);
user_pref("media.navigator.streams.fake", true);
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
PREFS
python3 "$here/capture-firefox.py" 8766 "$out" &
server=$!
sleep 1
firefox-esr --headless --no-remote --profile "$prof" http://127.0.0.1:8766/ &
ff=$!
wait $server || true
kill $ff 2>/dev/null || true
wait $ff 2>/dev/null || true
rm -rf "$prof"
