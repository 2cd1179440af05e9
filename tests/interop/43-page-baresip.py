#!/usr/bin/env python3
"""The calling page driven as a person would, by its labels, against real
baresip phones: a call with the security panel for SDES and for DTLS-SRTP
(showing baresip's own fingerprint), an incoming call answered on the page,
a rejected call, DTMF from the dial pad reaching baresip; the admin API
lists the call with both legs and the same fingerprints the page shows.
Screenshots go to test-artifacts/."""
import json
import os
import re
import tempfile
import time
import urllib.request

import tone
from baresip import Baresip
from siplib import Gateway, Page, done, ok

WORK = tempfile.mkdtemp(prefix="rtc2sip-page-baresip-")
ART = os.environ.get("ARTIFACTS", WORK)
PAGE_WAV = os.path.join(WORK, "page440.wav")
tone.make_tone_wav(PAGE_WAV, 440, 60)


def admin(gw, path, method="GET"):
    token = open(os.path.join(gw.work, "state", "rtc2sip", "admin-token")).read().strip()
    req = urllib.request.Request(f"http://127.0.0.1:{gw.admin_port}{path}", method=method,
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=5) as r:
        body = r.read()
    # Kept for the secret scan (99-secret-scan.py): SDES calls are listed here.
    os.makedirs(os.path.join(ART, "admin-responses"), exist_ok=True)
    with open(os.path.join(ART, "admin-responses", "43-page-baresip.txt"), "ab") as f:
        f.write(body + b"\n")
    return json.loads(body)


def grouped(fp):
    """'sha-256 AB:CD:EF:01:…' as the page groups it for reading aloud."""
    hexs = fp.split(" ", 1)[1].replace(":", "")
    return " ".join(hexs[i:i + 4] for i in range(0, len(hexs), 4))


def outgoing(label, gw_sets, phone_opts, expect_sentence, dtls, admin_hangup=False):
    gw = Gateway(gw_sets)
    phone = Baresip("bob", tone_hz=1000, **phone_opts)
    page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV, ui=True)
    try:
        page.click("Connect")
        page.fill("Number or SIP address", phone.uri())
        page.click("Call")
        ok(page.wait_text("Connected to", 20000), f"{label}: the page says the call is connected", gw.log()[-2000:])
        time.sleep(2.0)
        sip = page.text("#sec-sip") or ""
        ok(re.search(expect_sentence, sip) is not None, f"{label}: the security panel says \"{sip}\"")
        shown_phone_fp = page.text("#fp-phone")
        if dtls:
            ok(shown_phone_fp == phone.fingerprint(),
               f"{label}: the panel shows baresip's own fingerprint ({shown_phone_fp})")
            grouped_text = page.text("#fp-phone-grouped") or ""
            ok(grouped(phone.fingerprint()) in grouped_text.replace("\u00a0", " "),
               f"{label}: … grouped for reading aloud ({grouped_text[:40]}…)")
        calls = admin(gw, "/api/v1/calls")["calls"]
        c = calls[0] if calls else {}
        ok(c.get("sip_leg") and c.get("browser_leg") and
           c["browser_leg"].get("remote_fingerprint") == page.text("#fp-browser") and
           c["browser_leg"].get("local_fingerprint") == page.text("#fp-gateway") and
           (not dtls or c["sip_leg"].get("remote_fingerprint") == shown_phone_fp),
           f"{label}: the admin API lists the call with both legs and the page's fingerprints",
           json.dumps(c)[:1500])
        page.screenshot(os.path.join(ART, f"page-call-{'dtls' if dtls else 'sdes'}.png"))
        # The dial pad sends DTMF that baresip receives.
        for d in "5#":
            page.click(d)
        got = ""
        for _ in range(2):
            ev = phone.wait_event("CALL_DTMF_START", timeout=5)
            got += (ev or {}).get("param", "?")[:1]
        ok(got == "5#", f"{label}: DTMF from the dial pad reaches baresip ({got!r})")
        if admin_hangup:
            admin(gw, f"/api/v1/calls/{c['id']}", method="DELETE")
            ok(phone.wait_event("CALL_CLOSED", timeout=10) is not None, f"{label}: DELETE on the admin API ends baresip's call")
            ok(page.wait_text("hung up by the admin", 5000), f"{label}: … and the page says so")
            time.sleep(1)
            ok(admin(gw, "/api/v1/calls")["calls"] == [], f"{label}: … and the call is gone from the admin API")
        else:
            page.click("Hang up")
            ok(phone.wait_event("CALL_CLOSED", timeout=10) is not None, f"{label}: Hang up ends baresip's call")
    except Exception as e:
        ok(False, f"{label}: ran to its end", repr(e) + gw.log()[-2000:])
    page.quit()
    phone.stop()
    phone.cleanup()
    ok(gw.stop() == 0, f"{label}: the gateway stops cleanly")
    gw.cleanup()


outgoing("SDES over UDP", ("sip.key-exchange=sdes",), {"mediaenc": "srtp-mand"},
         r"SDES keys sent over UDP signalling, readable by every SIP hop", dtls=False)
outgoing("DTLS-SRTP", ("sip.key-exchange=dtls-srtp",), {"mediaenc": "dtls_srtp", "rtcp_mux": True},
         r"DTLS-SRTP, phone's certificate verified", dtls=True, admin_hangup=True)

# Incoming calls: answered, then rejected.
gw = Gateway()
page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV, ui=True)
phone = Baresip("carol", tone_hz=1000, mediaenc="srtp")
try:
    page.click("Connect")
    page.fill("User name at the gateway", "alice")
    page.click("Register")
    ok(page.wait_text("alice", 5000), "the page registers user alice")
    phone.dial(f"sip:alice@127.0.0.1:{gw.sip_port}")
    ok(page.wait_text("Incoming call from", 15000), "an incoming call from baresip rings on the page")
    page.screenshot(os.path.join(ART, "page-incoming.png"))
    page.click("Answer")
    ok(page.wait_text("Connected to", 15000) and phone.wait_event("CALL_ESTABLISHED", timeout=10) is not None,
       "answered on the page: both sides connected", gw.log()[-2000:])
    time.sleep(3.5)
    w = phone.received_wav()
    desc = tone.describe(tone.read_wav(w), (440, 1000)) if w else "no recording"
    ok(w and tone.has_tone(tone.read_wav(w), 440, 1.5), f"baresip hears the page ({desc})",
       page.text("#timeline") + " | " + str(phone.audio_stats()))
    page.click("Hang up")
    ok(phone.wait_event("CALL_CLOSED", timeout=10) is not None, "Hang up ends baresip's call")
    time.sleep(1.0)
    phone.dial(f"sip:alice@127.0.0.1:{gw.sip_port}")
    ok(page.wait_text("Incoming call from", 15000), "a second call rings")
    page.click("Reject")
    ev = phone.wait_event("CALL_CLOSED", timeout=10)
    ok(ev is not None and "486" in (ev.get("param") or ""), f"Reject: baresip gets 486 ({(ev or {}).get('param')})")
except Exception as e:
    ok(False, "incoming calls: ran to its end", repr(e) + gw.log()[-2000:])
page.quit()
phone.stop()
phone.cleanup()
ok(gw.stop() == 0, "the gateway stops cleanly")
gw.cleanup()
done()
