#!/usr/bin/env python3
"""DTLS session resumption on the RTCP port of a call without rtcp-mux
(RFC 5764 §4.1, RFC 5246 §7.3), proven against OpenSSL.

The phone is this script's SIP signalling plus tools/dtls_phone.c (OpenSSL
libssl, built here) as its DTLS side: one SSL_CTX with a session cache for
both its RTP port P and its RTCP port P+1. baresip 1.0.0 never resumes and
`openssl s_server` serves one port per process, hence our own peer.
  1. setup:passive (the gateway is the DTLS client): the RTCP session resumes
     the RTP one: the gateway's trace says "Try resume session <id>" and
     "Resume session <id>", dtls_phone says reused=yes with the same SRTP
     profile and other keys than the RTP session.
  2. setup:active (the gateway is the DTLS server): dtls_phone offers the RTP
     session on the RTCP port, the gateway makes a full handshake (it does
     not offer resumption with GnuTLS 3.7.9: docs/security.md, Known limits).
"""
import os
import random
import re
import shutil
import socket
import subprocess
import tempfile
import time

from siplib import Gateway, Page, UacDialog, make_test_cert, done, header, ok, skip, status_of

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = tempfile.mkdtemp(prefix="rtc2sip-resume-")
DTLS_PHONE = os.path.join(WORK, "dtls_phone")


def build_dtls_phone():
    """Compiles tools/dtls_phone.c; None when it built, else why not."""
    cc = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if not cc:
        return "no C compiler"
    r = subprocess.run([cc, "-std=gnu11", "-O2", "-Wall", "-o", DTLS_PHONE,
                        os.path.join(HERE, "tools", "dtls_phone.c"), "-lssl", "-lcrypto"],
                       capture_output=True, text=True)
    return None if r.returncode == 0 else "dtls_phone did not build (libssl-dev?): " + r.stderr[-500:]


def media_ports():
    """An even UDP port P with P+1 free too (RTP and RTCP)."""
    for _ in range(200):
        p = random.randrange(20000, 60000, 2)
        socks = []
        try:
            for q in (p, p + 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(s)
                s.bind(("127.0.0.1", q))
            return p
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port pair")


def make_cert(name):
    return make_test_cert(WORK, name)


class DtlsPhone:
    """tools/dtls_phone: ARGS after the role, certificate and key."""

    def __init__(self, role, key, cert, *ports):
        self.log_path = os.path.join(WORK, f"dtls_phone-{role}-{ports[0]}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen([DTLS_PHONE, role, cert, key] + [str(p) for p in ports],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def connected(self, name, timeout):
        """The fields of NAME's "connected" line, or None."""
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(rf"^{name} connected (.*)$", self.output(), re.M)
            if m:
                f = dict(re.findall(r"(\w+)=(\S+)", m.group(1)))
                f["peer"] = m.group(1).split("peer=", 1)[1]
                return f
            if self.proc.poll() is not None:
                return None
            time.sleep(0.1)
        return None

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()


class Phone(UacDialog):
    """The phone's SIP side: one dialog, UDP, RTCP on its own port."""

    def __init__(self, gw_port, media_port, fp, setup):
        super().__init__(gw_port)
        # No a=rtcp-mux: RTCP on its own port, with its own DTLS session.
        self.sdp = ("v=0\r\n"
                    "o=- 7 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    f"m=audio {media_port} UDP/TLS/RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                    f"a=rtcp:{media_port + 1}\r\na=setup:{setup}\r\na=fingerprint:{fp}\r\na=sendrecv\r\n")

    def call(self, page, seen):
        """INVITE, the page accepts (the first incoming call not in SEEN,
        which the page's call id is added to); the 200 OK (ACKed) or None."""
        self.request("INVITE", self.sdp)
        inc = page.wait(f"m.type === 'incoming' && !{sorted(seen)!r}.includes(m.call)", 15000)
        self.page_call = inc["call"]
        seen.add(inc["call"])
        page.js(f"window.T.accept({inc['call']!r})")
        return self.ack_if_ok(self.final(20))


def answer_sdp(resp):
    body = (resp or b"").decode(errors="replace").split("\r\n\r\n", 1)[-1]
    setup = re.search(r"a=setup:(\w+)", body)
    port = re.search(r"^m=audio (\d+) ", body, re.M)
    rtcp = re.search(r"^a=rtcp:(\d+)", body, re.M)
    fp = re.search(r"a=fingerprint:(\S+ \S+)", body)
    rtp_port = int(port.group(1)) if port else 0
    return {"setup": setup.group(1) if setup else None, "rtcp_mux": "a=rtcp-mux" in body,
            "fingerprint": fp.group(1).upper() if fp else None,
            "rtp": rtp_port, "rtcp": int(rtcp.group(1)) if rtcp else rtp_port + 1}


def security(page, call, fp, ms=10000):
    return page.wait(f"m.type === 'security' && m.call === {call!r} && m.sip_leg && m.sip_leg.verified === true && "
                     f"m.sip_leg.remote_fingerprint === {fp!r}", ms)


why = build_dtls_phone()
if why:
    skip(why)
    done()

key, cert, fp = make_cert("phone")
gw = Gateway(("sip.key-exchange=dtls-srtp", "trace.dtls=true"))
page = Page(f"http://127.0.0.1:{gw.http_port}/")
peers = []
seen = set()
try:
    page.js("window.T.send({type: 'register', id: 'r', user: 'alice'})")
    page.wait("m.type === 'registered'", 5000)

    # 1. The phone is DTLS server (setup:passive): the gateway resumes.
    port = media_ports()
    server = DtlsPhone("server", key, cert, port)
    peers.append(server)
    # Before the call, datagrams dtls_phone must drop: empty, RTP-like, a
    # DTLS record that is no ClientHello, a truncated handshake record; and
    # a bogus ClientHello that must not tie the port to its sender.
    garbage = [b"", b"\x80\x00" + os.urandom(40), b"\x17\xfe\xfd" + os.urandom(30),
               b"\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00\x00\x05\x02\x00", b"\x16\xfe"]
    fake_hello = b"\x16\xfe\xfd" + bytes(8) + b"\x00\x20\x01" + os.urandom(31)
    time.sleep(0.3)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as g:
        for d in garbage + [fake_hello]:
            g.sendto(d, ("127.0.0.1", port))
            g.sendto(d, ("127.0.0.1", port + 1))
    phone = Phone(gw.sip_port, port, fp, "passive")
    r = phone.call(page, seen)
    ok(status_of(r) == 200, f"the page answers the DTLS-SRTP call without rtcp-mux ({status_of(r)})", gw.log()[-2000:])
    a = answer_sdp(r)
    ok(a["setup"] == "active" and not a["rtcp_mux"],
       f"the gateway answers setup:active (DTLS client) without rtcp-mux ({a['setup']}, rtcp-mux {a['rtcp_mux']})")
    rtp, rtcp = server.connected("rtp", 15), server.connected("rtcp", 15)
    log = gw.log()
    c = re.search(r"DTLS\.SRTP\.(\d+): Connected", log)
    n = c.group(1) if c else "?"
    ok(c is not None and rtp is not None and rtp["reused"] == "no",
       f"DTLS.SRTP.{n}: Connected, a full handshake on the RTP port "
       f"(dtls_phone: reused={rtp and rtp['reused']}, {rtp and rtp['profile']})", log[-2500:] + server.output()[-1000:])
    tr = re.search(rf"DTLS\.SRTCP\.{n}: Try resume session ([0-9a-f]+)", log)
    rs = re.search(rf"DTLS\.SRTCP\.{n}: Resume session ([0-9a-f]+)", log)
    cc = re.search(rf"DTLS\.SRTCP\.{n}: Connected", log)
    ok(tr is not None and rs is not None and cc is not None and tr.group(1) == rs.group(1)
       and c.start() < tr.start() < rs.start() < cc.start(),
       f"the trace: DTLS.SRTP.{n}: Connected, then DTLS.SRTCP.{n}: Try resume session, Resume session "
       f"(the same id), Connected ({tr and tr.group(1)[:16]}…)", log[-2500:])
    resumed = log[tr.end():cc.start()] if tr and cc else ""
    ok(all(re.search(rf"DTLS\.{leg}\.{n}: Read HelloVerifyRequest", log) for leg in ("SRTP", "SRTCP"))
       and f'DTLS.SRTCP.{n}: Read ServerHello extension "use_srtp"' in resumed,
       "both handshakes went through dtls_phone's cookie exchange, and OpenSSL's resumed ServerHello "
       "carries use_srtp", log[-2500:])
    ok(rtcp is not None and rtcp["reused"] == "yes" and rtcp["session"] == rtp["session"]
       and tr is not None and rtcp["session"] == tr.group(1),
       "OpenSSL resumed on the RTCP port the session of the RTP port (reused=yes, the id the gateway offered)",
       server.output()[-1500:])
    ok(rtcp is not None and rtcp["profile"] == rtp["profile"] != "none",
       f"the resumed session has the RTP session's SRTP profile ({rtcp and rtcp['profile']})")
    ok(rtcp is not None and rtcp["keys"] != rtp["keys"] and "none" not in (rtcp["keys"], rtp["keys"]),
       f"… and its own keys (SHA-256 of the exported keying material: {rtp and rtp['keys']} vs {rtcp and rtcp['keys']})")
    ok(rtcp is not None and rtcp["peer"].upper() == rtp["peer"].upper() == a["fingerprint"],
       f"OpenSSL sees in both sessions the certificate of the gateway's a=fingerprint ({a['fingerprint']})")
    ok(rtp is not None and rtcp is not None and min(int(rtp["dropped"]), int(rtcp["dropped"])) >= len(garbage),
       f"dtls_phone dropped the stray datagrams sent before the call, a bogus ClientHello did not "
       f"take the port ({rtp and rtp['dropped']}, "
       f"{rtcp and rtcp['dropped']})")
    ok(security(page, phone.page_call, fp) is not None,
       "the page's security event shows the phone's fingerprint verified", gw.log()[-1500:])
    ok(page.wait(f"m.type === 'hangup' && m.call === {phone.page_call!r}", 1000) is None and gw.alive(),
       "the call stays up")
    phone.hang_up()
    page.wait(f"m.type === 'hangup' && m.call === {phone.page_call!r}", 5000)
    server.stop()

    # 2. The phone is DTLS client (setup:active): the gateway's server does
    # not resume (GnuTLS 3.7.9), the RTCP session is a full handshake.
    port = media_ports()
    phone = Phone(gw.sip_port, port, fp, "active")
    start = len(gw.log())
    r = phone.call(page, seen)
    a = answer_sdp(r)
    ok(status_of(r) == 200 and a["setup"] == "passive" and not a["rtcp_mux"],
       f"to setup:active the gateway answers passive (DTLS server) without rtcp-mux ({status_of(r)}, {a['setup']})")
    client = DtlsPhone("client", key, cert, port, a["rtp"], a["rtcp"])
    peers.append(client)
    rtp, rtcp = client.connected("rtp", 15), client.connected("rtcp", 15)
    log = gw.log()[start:]
    c = re.search(r"DTLS\.SRTCP\.(\d+): Connected", log)
    ok(rtp is not None and rtcp is not None and c is not None,
       f"dtls_phone connects on both ports, DTLS.SRTCP.{c and c.group(1)}: Connected",
       log[-2500:] + client.output()[-1000:])
    tried = re.search(r"^rtcp try resume session=(\S+)$", client.output(), re.M)
    ok(rtp is not None and tried is not None and tried.group(1) == rtp["session"],
       "dtls_phone offers the RTP port's session on the RTCP port")
    ok(rtcp is not None and rtcp["reused"] == "no" and rtcp["keys"] != rtp["keys"]
       and c is not None and f"DTLS.SRTCP.{c.group(1)}: Resume session" not in log,
       "the gateway as DTLS server answers dtls_phone's resumption with a full handshake on the RTCP port "
       "(documented GnuTLS 3.7.9 limit: no use_srtp in a resumed ServerHello)", client.output()[-1500:])
    ok(security(page, phone.page_call, fp) is not None, "the page's security event shows the phone's fingerprint verified")
    phone.hang_up()
except Exception as e:  # noqa: BLE001
    ok(False, "the suite ran to its end", repr(e) + gw.log()[-2000:])
for p in peers:
    p.stop()
page.quit()
ok(gw.stop() == 0, "the gateway stops cleanly")
gw.cleanup()
shutil.rmtree(WORK, ignore_errors=True)
done()
