#!/usr/bin/env python3
"""A DTLS-SRTP phone's re-INVITEs (RFC 5763 §5, RFC 8842 §4).

The phone is this script's SIP signalling plus `openssl s_server -dtls1_2
-use_srtp` as its DTLS endpoint (OpenSSL, as in baresip) on the SDP's media
port, with setup:passive so that the gateway is the DTLS client. It calls a
page, then re-INVITEs:
  1. the same fingerprint (hold): the DTLS session is kept, no new handshake;
  2. a new certificate and fingerprint: the gateway makes a new DTLS
     association, checks the new certificate, and the page's security event
     shows the new fingerprint;
  3. a fingerprint that does not match the certificate: the call ends at
     once with BYE, the page is told why.
"""
import os
import random
import re
import subprocess
import tempfile
import time

from siplib import Gateway, Page, UacDialog, make_test_cert, done, free_port, header, ok, status_of

WORK = tempfile.mkdtemp(prefix="rtc2sip-reinvite-")


def make_cert(name):
    return make_test_cert(WORK, name)


class DtlsServer:
    """openssl s_server as the phone's DTLS endpoint on PORT."""

    def __init__(self, port, key, cert):
        self.log_path = os.path.join(WORK, f"s_server-{port}-{random.getrandbits(16):x}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["openssl", "s_server", "-dtls1_2", "-accept", f"127.0.0.1:{port}", "-cert", cert, "-key", key,
             "-use_srtp", "SRTP_AES128_CM_SHA1_80", "-verify", "1"],
            stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT)
        time.sleep(0.4)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class Phone(UacDialog):
    """The phone's SIP side: one dialog, UDP, setup:passive with rtcp-mux."""

    def __init__(self, gw_port, media_port):
        super().__init__(gw_port)
        self.media_port = media_port
        self.version = 1

    def sdp(self, fp, direction="sendrecv"):
        self.version += 1
        return ("v=0\r\n"
                f"o=- 7 {self.version} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                f"m=audio {self.media_port} UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                f"a=setup:passive\r\na=fingerprint:{fp}\r\na=rtcp-mux\r\na={direction}\r\n")


def answer_setup(resp):
    body = (resp or b"").decode(errors="replace")
    m = re.search(r"a=setup:(\w+)", body)
    f = re.search(r"a=fingerprint:(\S+ \S+)", body)
    return (m.group(1) if m else None), (f.group(1) if f else None)


def security(page, fp, ms=8000):
    return page.wait("m.type === 'security' && m.sip_leg && m.sip_leg.verified === true && "
                     f"m.sip_leg.remote_fingerprint === {fp!r}", ms)


key1, cert1, fp1 = make_cert("phone1")
key2, cert2, fp2 = make_cert("phone2")
_, _, fp3 = make_cert("phone3")
media_port = free_port()
gw = Gateway(("sip.key-exchange=dtls-srtp", "trace.dtls=true"))
page = Page(f"http://127.0.0.1:{gw.http_port}/")
server = DtlsServer(media_port, key1, cert1)
phone = Phone(gw.sip_port, media_port)
try:
    page.js("window.T.send({type: 'register', id: 'r', user: 'alice'})")
    page.wait("m.type === 'registered'", 5000)
    phone.request("INVITE", phone.sdp(fp1))
    inc = page.wait("m.type === 'incoming'", 15000)
    page.js(f"window.T.accept({inc['call']!r})")
    r = phone.ack_if_ok(phone.final(20))
    ok(status_of(r) == 200, f"the page answers the DTLS-SRTP call ({status_of(r)})", gw.log()[-2000:])
    setup, our_fp = answer_setup(r)
    ok(setup == "active", f"to setup:passive the gateway answers active: it is the DTLS client ({setup})")
    sec1 = security(page, fp1, 10000)
    ok(sec1 is not None and sec1["sip_leg"].get("dtls_role") == "client",
       "the gateway connects to openssl s_server and the page is shown the phone's first fingerprint",
       gw.log()[-2500:] + server.output()[-800:])
    connects = lambda: len(re.findall(r"DTLS\.SRTP\.\d+: Connected", gw.log()))  # noqa: E731
    n1 = connects()

    # 1. Hold with the same fingerprint: the DTLS session is kept.
    r = phone.invite(phone.sdp(fp1, "sendonly"))
    time.sleep(2)
    ok(status_of(r) == 200 and connects() == n1 and "new DTLS association" not in gw.log(),
       f"a re-INVITE with the same fingerprint (hold) keeps the DTLS session ({status_of(r)}; handshakes {n1} -> {connects()})")

    # 2. A new certificate: a new association with the new fingerprint.
    server.stop()
    server = DtlsServer(media_port, key2, cert2)
    r = phone.invite(phone.sdp(fp2))
    setup2, our_fp2 = answer_setup(r)
    ok(status_of(r) == 200 and setup2 == "active" and our_fp2 == our_fp,
       f"a re-INVITE with a new fingerprint is answered 200, still active, our fingerprint unchanged ({setup2})")
    sec2 = security(page, fp2, 10000)
    ok(sec2 is not None, "the gateway makes a new DTLS association and the page is shown the new fingerprint",
       gw.log()[-2500:] + server.output()[-800:])
    ok(connects() == n1 + 1 and re.search(r"call \S+: the phone's re-INVITE asks for a new DTLS association", gw.log()),
       f"the log shows the new association and a second handshake ({n1} -> {connects()})")
    ok(page.wait("m.type === 'hangup'", 500) is None, "the call stays up")

    # 3. A fingerprint the certificate does not match: the call ends.
    server.stop()
    server = DtlsServer(media_port, key2, cert2)
    t0 = time.time()
    r = phone.invite(phone.sdp(fp3))
    bye = phone.wait_bye(5)
    took = time.time() - t0
    ok(bye is not None and took < 4, f"a re-INVITE whose fingerprint the new certificate does not match: BYE in {took:.1f} s")
    ok(bye is not None and "fingerprint mismatch" in (header(bye, "Reason") or ""),
       f"… with a Reason naming the mismatch ({header(bye, 'Reason')})")
    hup = page.wait("m.type === 'hangup'", 5000)
    ok(hup is not None and "fingerprint" in (hup.get("reason") or ""), f"the page is told why ({(hup or {}).get('reason')})")
    ok(re.search(r"DTLS\.SRTP\.\d+: Disconnect \(fingerprint mismatch\)", gw.log()) is not None,
       "the trace shows the disconnect")
except Exception as e:  # noqa: BLE001
    ok(False, "the suite ran to its end", repr(e) + gw.log()[-2000:])
server.stop()
page.quit()
phone.udp.close()
ok(gw.stop() == 0, "the gateway stops cleanly")
gw.cleanup()
done()
