#!/usr/bin/env python3
"""The bridge with real phones: headless Chromium (a 440 Hz microphone) and
baresip (a 1000 Hz microphone) talk through the gateway, each hearing the
other's tone: page → baresip over plain RTP, over SDES with each suite the
gateway can offer that baresip accepts (the gateway restricted to that one
suite), with rtcp-mux; baresip → page with SDES and plain; hold and resume
from baresip; DTMF both ways."""
import os
import tempfile
import time

import tone
from baresip import Baresip
from siplib import Gateway, Page, done, ok

WORK = tempfile.mkdtemp(prefix="rtc2sip-baresip-")
PAGE_WAV = os.path.join(WORK, "page440.wav")
tone.make_tone_wav(PAGE_WAV, 440, 60)
PAGE_HZ, PHONE_HZ = 440, 1000


def page_hears(page, call, hz, tries=20):
    """Does the page hear HZ (the dominant frequency of the far end)?"""
    last = None
    for _ in range(tries):
        last = page.js(f"window.T.peak({call!r})")
        if last and abs(last["hz"] - hz) < 40 and last["db"] > -70:
            return True, last
        time.sleep(0.25)
    return False, last


def phone_heard(phone, hz, seconds=1.5):
    wav = phone.received_wav()
    if not wav:
        return False, "no recording"
    w = tone.read_wav(wav)
    return tone.has_tone(w, hz, seconds), tone.describe(w, (PAGE_HZ, PHONE_HZ))


def page_calls_phone(label, gw_sets=(), phone_opts=None, expect_keying="none", expect_suite=None):
    gw = Gateway(gw_sets)
    phone = Baresip("bob", tone_hz=PHONE_HZ, **(phone_opts or {}))
    page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV)
    try:
        page.js(f"window.T.call('c1', {phone.uri()!r})")
        connected = page.wait("m.type === 'connected' && m.call === 'c1'", 15000)
        ok(connected is not None, f"{label}: the page's call to baresip connects", gw.log()[-3000:])
        sec = page.wait("m.type === 'security' && m.call === 'c1'", 5000) or {}
        sip_leg = sec.get("sip_leg") or {}
        ok(sip_leg.get("keying") == expect_keying and (expect_suite is None or sip_leg.get("suite") == expect_suite),
           f"{label}: security shows the SIP leg as {expect_keying} {expect_suite or ''} ({sip_leg})")
        phone.wait_audio(3.0)
        heard, info = page_hears(page, "c1", PHONE_HZ)
        ok(heard, f"{label}: the page hears the phone's {PHONE_HZ} Hz tone ({info})")
        got, desc = phone_heard(phone, PAGE_HZ)
        ok(got, f"{label}: baresip hears the page's {PAGE_HZ} Hz tone ({desc})")
        return gw, phone, page
    except Exception as e:
        ok(False, f"{label}: ran to its end", repr(e) + "\n" + gw.log()[-2000:])
        return gw, phone, page


def finish(gw, phone, page, label):
    page.js("window.T.send({type: 'hangup', call: 'c1'})")
    closed = phone.wait_event("CALL_CLOSED", timeout=10)
    ok(closed is not None, f"{label}: the page's hang-up ends baresip's call (BYE)")
    page.quit()
    phone.stop()
    phone.cleanup()
    released = gw.wait_log(r"released: .*; 0 calls active", 5)
    ok(released is not None, f"{label}: the call is released, 0 calls active")
    rc = gw.stop()
    ok(rc == 0, f"{label}: the gateway stops cleanly")
    gw.cleanup()


# 1. Plain RTP (the gateway's default offer: RTP/AVP with crypto lines, which
#    a plain baresip ignores).
g, p, pg = page_calls_phone("page → baresip plain", phone_opts={"audio_codecs": "pcmu"})
# DTMF page → phone on this call.
pg.js("window.T.send({type: 'dtmf', call: 'c1', digits: '19#'})")
digits = ""
for _ in range(3):
    ev = p.wait_event("CALL_DTMF_START", timeout=5)
    digits += (ev or {}).get("param", "?")[:1]
ok(digits == "19#", f"DTMF from the page reaches baresip as RFC 4733 events ({digits!r})")
finish(g, p, pg, "page → baresip plain")

# 2. SDES, one suite at a time.
for suite in ("AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "AEAD_AES_128_GCM", "AEAD_AES_256_GCM"):
    g, p, pg = page_calls_phone(f"page → baresip SDES {suite}",
                                gw_sets=("sip.key-exchange=sdes", f"sip.sdes-suites={suite}"),
                                phone_opts={"mediaenc": "srtp-mand"}, expect_keying="sdes", expect_suite=suite)
    finish(g, p, pg, f"SDES {suite}")

# 3. rtcp-mux agreed.
g, p, pg = page_calls_phone("page → baresip SDES with rtcp-mux", gw_sets=("sip.key-exchange=sdes",),
                            phone_opts={"mediaenc": "srtp-mand", "rtcp_mux": True},
                            expect_keying="sdes")
ok(g.wait_log(r"\(rtcp-mux\)", 1) is not None, "rtcp-mux is agreed with baresip")
finish(g, p, pg, "rtcp-mux")

# 4. baresip → page, SDES offered by baresip (best effort) and plain.
for label, opts, keying in (("baresip → page SDES", {"mediaenc": "srtp"}, "sdes"), ("baresip → page plain", {}, "none")):
    gw = Gateway()
    page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV)
    phone = Baresip("carol", tone_hz=PHONE_HZ, **opts)
    try:
        page.js("window.T.send({type: 'register', id: 'r', user: 'alice'})")
        page.wait("m.type === 'registered'", 5000)
        phone.dial(f"sip:alice@127.0.0.1:{gw.sip_port}")
        inc = page.wait("m.type === 'incoming'", 15000)
        ok(inc is not None, f"{label}: the page rings", gw.log()[-2000:])
        page.js(f"window.T.accept({inc['call']!r})")
        ok(page.wait(f"m.type === 'connected' && m.call === {inc['call']!r}", 15000) is not None,
           f"{label}: connected after the page answers")
        ok(phone.wait_event("CALL_ESTABLISHED", timeout=10) is not None, f"{label}: baresip sees the call established")
        sec = page.wait(f"m.type === 'security' && m.call === {inc['call']!r}", 5000) or {}
        ok((sec.get("sip_leg") or {}).get("keying") == keying, f"{label}: SIP leg keying {keying} ({sec.get('sip_leg')})")
        phone.wait_audio(3.0)
        heard, info = page_hears(page, inc["call"], PHONE_HZ)
        ok(heard, f"{label}: the page hears baresip's tone ({info})")
        got, desc = phone_heard(phone, PAGE_HZ)
        ok(got, f"{label}: baresip hears the page's tone ({desc})")
        if keying == "sdes":
            # DTMF phone → page.
            phone.send_dtmf("47*")
            got_digits = ""
            for d in "47*":
                m = page.wait(f"m.type === 'dtmf' && m.digit === {d!r}", 5000)
                got_digits += m["digit"] if m else "?"
            ok(got_digits == "47*", f"DTMF from baresip reaches the page ({got_digits!r})")
            # Hold and resume from baresip: audio flows again afterwards.
            phone.hold()
            time.sleep(1.5)
            phone.resume()
            time.sleep(1.0)
            before = page.js(f"window.T.stats({inc['call']!r})")["packets"]
            time.sleep(2.0)
            after = page.js(f"window.T.stats({inc['call']!r})")["packets"]
            ok(after - before > 40, f"hold and resume from baresip: audio flows again ({after - before} packets in 2 s)",
               gw.log()[-2000:])
            ok(page.js(f"window.T.events.some(m => m.type === 'hangup' && m.call === {inc['call']!r})") is False,
               "… and the call is still up")
        phone.hangup()
        hang = page.wait(f"m.type === 'hangup' && m.call === {inc['call']!r}", 10000)
        ok(hang is not None, f"{label}: baresip's BYE hangs up the page ({(hang or {}).get('reason')})")
    except Exception as e:
        ok(False, f"{label}: ran to its end", repr(e) + "\n" + gw.log()[-2000:])
    page.quit()
    phone.stop()
    phone.cleanup()
    ok(gw.wait_log(r"released: .*; 0 calls active", 5) is not None, f"{label}: released, 0 calls active")
    ok(gw.stop() == 0, f"{label}: the gateway stops cleanly")
    gw.cleanup()

done()
