#!/usr/bin/env python3
"""DTLS-SRTP toward SIP with baresip: page → baresip with and without
rtcp-mux (two DTLS sessions), both DTLS roles, the reference page's
key-exchange priority on incoming offers, the default policy against every
baresip mode, the phone's fingerprint reported to the page, and a phone
whose certificate does not match its SDP fingerprint."""
import os
import re
import select
import socket
import tempfile
import threading
import time

import tone
from baresip import Baresip
from siplib import Gateway, Page, done, free_port, ok

WORK = tempfile.mkdtemp(prefix="rtc2sip-dtls-")
PAGE_WAV = os.path.join(WORK, "page440.wav")
tone.make_tone_wav(PAGE_WAV, 440, 60)


def hears(page, call, hz):
    for _ in range(20):
        r = page.js(f"window.T.peak({call!r})")
        if r and abs(r["hz"] - hz) < 40 and r["db"] > -70:
            return True, r
        time.sleep(0.25)
    return False, r


def outbound(label, gw_sets, phone_opts, expect=("dtls-srtp",), check_fp=True, two_sessions=None, trace_all=True,
             check=None):
    gw = Gateway((("trace.dtls=true",) if trace_all else ()) + tuple(gw_sets))
    phone = Baresip("bob", tone_hz=1000, **phone_opts)
    page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV)
    try:
        page.js(f"window.T.call('c1', {phone.uri()!r})")
        ok(page.wait("m.type === 'connected'", 20000) is not None, f"{label}: connected", gw.log()[-2500:])
        sec = page.wait("m.type === 'security' && m.sip_leg && m.sip_leg.keying !== undefined && "
                        "(m.sip_leg.keying !== 'dtls-srtp' || m.sip_leg.verified !== null)", 8000) or {}
        leg = sec.get("sip_leg") or {}
        ok(leg.get("keying") in expect, f"{label}: SIP leg keying {leg.get('keying')}")
        phone.wait_audio(3.0)
        heard, info = hears(page, "c1", 1000)
        ok(heard, f"{label}: the page hears baresip ({info})")
        w = phone.received_wav()
        ok(w and tone.has_tone(tone.read_wav(w), 440, 1.5), f"{label}: baresip hears the page")
        if check_fp and leg.get("keying") == "dtls-srtp":
            ok(leg.get("verified") is True and leg.get("remote_fingerprint") == phone.fingerprint(),
               f"{label}: the page is shown baresip's own fingerprint ({leg.get('remote_fingerprint')})")
            ok(leg.get("local_fingerprint", "").startswith("sha-256 ") and leg.get("profile") == "SRTP_AES128_CM_HMAC_SHA1_80",
               f"{label}: our fingerprint and the profile are reported ({leg.get('dtls_role')})")
        if two_sessions is not None:
            log = gw.log()
            srtcp = re.search(r"DTLS\.SRTCP\.\d+: Connected", log) is not None
            ok(srtcp == two_sessions, f"{label}: {'a second DTLS session keys SRTCP on the RTCP port' if two_sessions else 'one DTLS session (rtcp-mux)'}")
        if check:
            check(gw)
        page.js("window.T.send({type: 'hangup', call: 'c1'})")
        ok(phone.wait_event("CALL_CLOSED", timeout=10) is not None, f"{label}: hang-up reaches baresip")
    except Exception as e:
        ok(False, f"{label}: ran to its end", repr(e) + gw.log()[-2000:])
    page.quit()
    phone.stop()
    phone.cleanup()
    ok(gw.stop() == 0, f"{label}: the gateway stops cleanly")
    gw.cleanup()


# 1. DTLS-SRTP only, without and with rtcp-mux.
outbound("dtls-srtp, no rtcp-mux", ("sip.key-exchange=dtls-srtp",), {"mediaenc": "dtls_srtp"}, two_sessions=True)
outbound("dtls-srtp with rtcp-mux", ("sip.key-exchange=dtls-srtp",), {"mediaenc": "dtls_srtp", "rtcp_mux": True},
         two_sessions=False)

# Tracing one side only: [trace] dtls-sip traces the SIP leg (leg 1) and
# not the browser leg (leg 0).
def sip_side_only(gw):
    log = gw.log()
    ok(re.search(r"DTLS\.SRTP\.1: Connected", log) is not None and re.search(r"DTLS\.SRTP\.0:", log) is None,
       "trace.dtls-sip = true: the SIP leg's DTLS is traced, the browser leg's is not")


outbound("dtls-srtp, SIP-side trace only", ("sip.key-exchange=dtls-srtp", "trace.dtls-sip=true"),
         {"mediaenc": "dtls_srtp", "rtcp_mux": True}, trace_all=False, check=sip_side_only)

# 2. The default policy (sdes, dtls-srtp, rtp) against every baresip mode.
for mode, keying in ((None, ("none",)), ("srtp", ("sdes",)), ("srtp-mand", ("sdes",)), ("dtls_srtp", ("dtls-srtp",))):
    opts = {"mediaenc": mode} if mode else {}
    outbound(f"default policy, baresip {mode or 'plain'}", (), opts, expect=keying, check_fp=mode == "dtls_srtp")


# 3. Incoming offers: the first listed mechanism the offer supports wins.
def inbound(label, gw_sets, phone_opts, expect_keying=None, expect_status=None, check_resume=False):
    gw = Gateway(("trace.dtls=true",) + tuple(gw_sets))
    page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV)
    phone = Baresip("carol", tone_hz=1000, **phone_opts)
    try:
        page.js("window.T.send({type: 'register', id: 'r', user: 'alice'})")
        page.wait("m.type === 'registered'", 5000)
        phone.dial(f"sip:alice@127.0.0.1:{gw.sip_port}")
        if expect_status:
            ev = phone.wait_event("CALL_CLOSED", timeout=10)
            ok(ev is not None and str(expect_status) in (ev.get("param") or ""),
               f"{label}: refused with {expect_status} ({(ev or {}).get('param')})", gw.log()[-1500:])
        else:
            inc = page.wait("m.type === 'incoming'", 15000)
            page.js(f"window.T.accept({inc['call']!r})")
            ok(page.wait("m.type === 'connected'", 15000) is not None, f"{label}: connected")
            sec = page.wait("m.type === 'security' && m.sip_leg && (m.sip_leg.keying !== 'dtls-srtp' || "
                            "m.sip_leg.verified !== null)", 8000) or {}
            leg = sec.get("sip_leg") or {}
            ok(leg.get("keying") == expect_keying, f"{label}: {expect_keying} chosen ({leg.get('keying')}, role {leg.get('dtls_role')})")
            if expect_keying == "dtls-srtp":
                ok(leg.get("dtls_role") == "client" and leg.get("remote_fingerprint") == phone.fingerprint(),
                   f"{label}: the gateway is the DTLS client toward the phone, its fingerprint shown")
            phone.wait_audio(2.5)
            heard, info = hears(page, inc["call"], 1000)
            ok(heard, f"{label}: the page hears baresip ({info})")
            if check_resume:
                log = gw.log()
                m = re.search(r"DTLS\.SRTCP\.(\d+): Try resume session ([0-9a-f]+)", log)
                resumed = m is not None and re.search(rf"DTLS\.SRTCP\.{m.group(1)}: Resume session", log) is not None
                ok(m is not None and re.search(rf"DTLS\.SRTCP\.{m.group(1)}: Connected", log) is not None,
                   f"{label}: the RTCP session offers to resume the RTP one and connects "
                   f"({'resumed' if resumed else 'baresip declined: full handshake'})",
                   "\n".join(l for l in log.splitlines() if "SRTCP" in l)[-2000:])
                rtcp = phone.audio_stats() or {}
                ok(len(phone.events_of("CALL_MENC")) >= 2 or "RTCP" in str(phone.events_of("CALL_MENC")),
                   f"{label}: baresip keyed both sessions ({[e.get('param') for e in phone.events_of('CALL_MENC')]})")
            phone.hangup()
            page.wait("m.type === 'hangup'", 10000)
    except Exception as e:
        ok(False, f"{label}: ran to its end", repr(e) + gw.log()[-2000:])
    page.quit()
    phone.stop()
    phone.cleanup()
    ok(gw.stop() == 0, f"{label}: the gateway stops cleanly")
    gw.cleanup()


inbound("default policy, baresip offers SDES", (), {"mediaenc": "srtp"}, expect_keying="sdes")
inbound("key-exchange = dtls-srtp, sdes; baresip offers DTLS-SRTP", ("sip.key-exchange=dtls-srtp, sdes",),
        {"mediaenc": "dtls_srtp"}, expect_keying="dtls-srtp")
inbound("DTLS-SRTP from baresip without rtcp-mux, the gateway as DTLS client", ("sip.key-exchange=dtls-srtp",),
        {"mediaenc": "dtls_srtp"}, expect_keying="dtls-srtp", check_resume=True)
inbound("key-exchange = sdes, dtls-srtp; a plain offer", ("sip.key-exchange=sdes, dtls-srtp",), {},
        expect_status=488)


# 4. A phone whose DTLS certificate does not match its SDP fingerprint: a
#    SIP relay between the gateway and baresip flips a byte of the
#    fingerprint in baresip's answer.
class FingerprintTamperer(threading.Thread):
    def __init__(self, target_port):
        super().__init__(daemon=True)
        self.target = ("127.0.0.1", target_port)
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.client = None
        self.running = True
        self.tampered = 0
        self.start()

    def run(self):
        while self.running:
            r, _, _ = select.select([self.s], [], [], 0.2)
            if not r:
                continue
            data, addr = self.s.recvfrom(65535)
            if addr == self.target:
                def flip(m):
                    self.tampered += 1
                    return m.group(1) + (b"00" if m.group(2) != b"00" else b"11")
                data = re.sub(rb"(?i)(a=fingerprint:\S+ )([0-9A-F]{2})", flip, data)
                if self.client:
                    self.s.sendto(data, self.client)
            else:
                self.client = addr
                self.s.sendto(data, self.target)


gw = Gateway(("trace.dtls=true", "sip.key-exchange=dtls-srtp"))
phone = Baresip("bob", tone_hz=1000, mediaenc="dtls_srtp", rtcp_mux=True)
relay = FingerprintTamperer(phone.sip_port)
page = Page(f"http://127.0.0.1:{gw.http_port}/", PAGE_WAV)
try:
    t0 = time.time()
    page.js(f"window.T.call('c1', 'sip:bob@127.0.0.1:{relay.port}')")
    hang = page.wait("m.type === 'hangup'", 15000)
    ok(relay.tampered >= 1, "the relay altered the phone's fingerprint")
    ok(hang is not None and "fingerprint mismatch on the SIP leg" in hang.get("reason", ""),
       f"a phone with the wrong certificate: the page is told ({(hang or {}).get('reason')})", gw.log()[-2500:])
    m = re.search(r"(\d\d):(\d\d):(\d\d\.\d+) NOTICE rtc2sip-call: call c1: answered", gw.log())
    m2 = re.search(r"(\d\d):(\d\d):(\d\d\.\d+) NOTICE rtc2sip-call: call c1 ended: fingerprint mismatch", gw.log())
    secs = None
    if m and m2:
        to_s = lambda x: int(x.group(1)) * 3600 + int(x.group(2)) * 60 + float(x.group(3))
        secs = to_s(m2) - to_s(m)
    ok(secs is not None and secs < 2.0, f"… within 2 s of the answer ({secs} s)")
    ok(re.search(r"DTLS\.SRTP\.\d+: Disconnect \(fingerprint mismatch\)", gw.log()) is not None and
       re.search(r"DTLS\.SRTP\.\d+: Close error=", gw.log()) is not None,
       "the trace shows Disconnect (fingerprint mismatch) then Close error=…")
    closed = phone.wait_event("CALL_CLOSED", timeout=10)
    byes = [t for d, t in phone.sip_messages() if d == "rx" and t.startswith("BYE ")]
    ok(closed is not None and byes and re.search(r"(?im)^Reason:.*fingerprint mismatch", byes[-1]),
       f"the gateway sent BYE with a Reason header ({byes[-1].splitlines()[0] if byes else 'no BYE'})")
except Exception as e:
    ok(False, "fingerprint mismatch: ran to its end", repr(e) + gw.log()[-2000:])
relay.running = False
page.quit()
phone.stop()
phone.cleanup()
ok(gw.stop() == 0, "fingerprint mismatch: the gateway stops cleanly")
gw.cleanup()
done()
