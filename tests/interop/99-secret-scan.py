#!/usr/bin/env python3
"""Secrets stay out of logs and the admin API (issue "safe to expose").

Runs last. Every gateway the suites before it started left its log in
$ARTIFACTS/gateway-logs/ with the secrets its configuration carried (trunk and
page passwords, the token secret, the admin token) in a .secrets file; the
page-and-phone suite kept the admin API's answers during SDES and DTLS-SRTP
calls in $ARTIFACTS/admin-responses/. This suite checks that no log and no
admin answer holds any of those secrets, an SDES key (`inline:`), or a page
token (EXPIRY:USER:SIG). Then it starts a gateway with every kind of secret
set and reads every admin path and --print-config.
"""
import glob
import json
import os
import re
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from siplib import RTC2SIP, Gateway  # noqa: E402

n = 0
failures = 0


def ok(cond, desc, detail=None):
    global n, failures
    n += 1
    print(f"{'ok' if cond else 'not ok'} {n} - {desc}")
    if not cond:
        failures += 1
        if detail:
            print("# " + str(detail).replace("\n", "\n# "))
    return cond


ART = os.environ.get("ARTIFACTS", "")
TOKEN_RE = re.compile(r"\b\d{9,11}:[A-Za-z0-9+_.~!-]{1,64}:[A-Za-z0-9_-]{43}\b")


def findings(text, secrets):
    out = [f"secret {s[:3]}… ({len(s)} bytes)" for s in secrets if s in text]
    if "inline:" in text:
        i = text.index("inline:")
        out.append("an SDES key: …" + text[max(0, i - 40):i + 12] + "…")
    m = TOKEN_RE.search(text)
    if m:
        out.append("a page token: " + m.group(0)[:24] + "…")
    return out


planted = findings("a log line with Pa55-planted and a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:QUJD and "
                   "hello 1764300000:alice:" + "A" * 43, {"Pa55-planted"})
ok(len(planted) == 3, f"the scanner finds a planted secret, SDES key and page token ({len(planted)} of 3)")

logs = sorted(glob.glob(os.path.join(ART, "gateway-logs", "*.log"))) if ART else []
if len(logs) < 10:
    n += 1
    print(f"ok {n} # SKIP the whole-run scan needs the other suites' logs first ({len(logs)} found; run ./test.sh)")
else:
    everything = set()
    for log in logs:
        with open(log[:-4] + ".secrets") as f:
            everything.update(line.strip() for line in f if line.strip())
    ok(len(everything) >= 5, f"the run configured secrets to look for ({len(everything)} distinct, from {len(logs)} gateway logs)")
    bad = {}
    for log in logs:
        with open(log, errors="replace") as f:
            found = findings(f.read(), everything)
        if found:
            bad[os.path.basename(log)] = found
    ok(not bad, f"no password, token secret, admin token, page token or SDES key in {len(logs)} gateway logs",
       json.dumps(bad, indent=1)[:3000])
    admin_files = glob.glob(os.path.join(ART, "admin-responses", "*"))
    admin_text = "".join(open(p, errors="replace").read() for p in admin_files)
    ok(len(admin_text) > 1000 and '"sip_leg"' in admin_text,
       f"the admin API's answers during calls were kept ({len(admin_text)} bytes)")
    ok(not findings(admin_text, everything), "… and hold no secret or SDES key", findings(admin_text, everything))

# A gateway with every kind of secret: nothing of them in the admin API,
# --print-config or the log.
secrets = {"trunk password": "trunk-Pa55word-xyz", "token secret": "browser-secret-of-some-length",
           "TURN password": "turn-Pa55word-xyz", "admin token": "admin-token-0123456789"}
sets = ["trunk:office.address=127.0.0.1:9", "trunk:office.register=true", "trunk:office.username=alice",
        f"trunk:office.password={secrets['trunk password']}", "browser.auth=token",
        f"browser.secret={secrets['token secret']}", "ice.turn-server=127.0.0.1:3478", "ice.turn-username=u",
        f"ice.turn-password={secrets['TURN password']}", f"admin.token={secrets['admin token']}"]
gw = Gateway(sets)
answers = ""
for path in ["/", "/metrics", "/api/v1/status", "/api/v1/calls", "/api/v1/registrations", "/api/v1/trunks",
             "/api/v1/trace"]:
    req = urllib.request.Request(f"http://127.0.0.1:{gw.admin_port}{path}",
                                 headers={"Authorization": f"Bearer {secrets['admin token']}"})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            answers += r.read().decode(errors="replace")
    except Exception as e:  # noqa: BLE001
        answers += f"[{path}: {e}]"
ok("office" in answers and "[" + "/" not in answers, "every admin path answered (the trunk is listed)", answers[-500:])
leaked = [k for k, v in secrets.items() if v in answers]
ok(not leaked, f"the admin API shows none of: {', '.join(secrets)}", leaked)
printed = subprocess.run([RTC2SIP, "--print-config"] + [a for s in sets for a in ("--set", s)],
                         capture_output=True, text=True, timeout=20).stdout
ok("office" in printed and not [k for k, v in secrets.items() if v in printed],
   "--print-config shows the trunk but none of the secrets", [k for k, v in secrets.items() if v in printed])
gw.stop()
log = gw.log()
ok(not [k for k, v in secrets.items() if v in log], "the gateway's log holds none of them either",
   [k for k, v in secrets.items() if v in log])
state = os.path.join(gw.work, "state", "rtc2sip")
ok(os.stat(state).st_mode & 0o777 == 0o700, f"the state folder is 0700 ({oct(os.stat(state).st_mode & 0o777)})")
gw.cleanup()
print(f"1..{n}")
sys.exit(1 if failures else 0)
