#!/usr/bin/env python3
"""The gateway as a SIP user agent on the network: OPTIONS, INVITE for an
unknown user, retransmissions, TCP framing, the RFC 4475 torture messages
over UDP and TCP, and bad input, with sipp and raw sockets."""
import os
import random
import re
import socket
import subprocess
import tempfile
import time

from siplib import (DATA, Gateway, Tcp, Udp, done, header, invite, ok, options, options_ok, skip,
                    status_of)

HERE = os.path.dirname(os.path.abspath(__file__))
gw = Gateway()
P = gw.sip_port


def sipp(scenario, transport="u1", calls=1, extra=(), xml_sub=None):
    path = os.path.join(HERE, "sip", scenario)
    if xml_sub:
        with open(path) as f:
            text = f.read()
        for a, b in xml_sub.items():
            text = text.replace(a, b)
        fd, path = tempfile.mkstemp(suffix=".xml", dir=gw.work)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    cmd = ["sipp", "-sf", path, f"127.0.0.1:{P}", "-t", transport, "-m", str(calls), "-nostdin",
           "-i", "127.0.0.1", "-p", "0", "-timeout", "30s", "-timeout_error", "-trace_err",
           "-error_file", os.path.join(gw.work, f"sipp-{scenario}-{transport}.err"), *extra]
    r = subprocess.run(cmd, cwd=gw.work, capture_output=True, text=True, timeout=60)
    err = ""
    ef = os.path.join(gw.work, f"sipp-{scenario}-{transport}.err")
    if os.path.exists(ef):
        with open(ef) as f:
            err = f.read()[-3000:]
    return r.returncode, (r.stdout[-1500:] + r.stderr[-1500:] + err)


# --- OPTIONS ------------------------------------------------------------------
u = Udp()
u.send(options(P, local_port=u.port), P)
r = u.recv()
ok(status_of(r) == 200, "OPTIONS over UDP gets 200", r)
ok(r and "INVITE" in (header(r, "Allow") or ""), f"… with Allow ({header(r, 'Allow')})")
ok(r and "application/sdp" in (header(r, "Accept") or ""), f"… with Accept ({header(r, 'Accept')})")
ok(r and header(r, "Supported") is not None, f"… with Supported ({header(r, 'Supported')})")
ok(r and f"rport={u.port}" in (header(r, "Via") or ""), "… and the Via gets rport filled in (RFC 3581)")

for t in ("u1", "t1"):
    rc, out = sipp("options.xml", t)
    ok(rc == 0, f"sipp OPTIONS over {'UDP' if t == 'u1' else 'TCP'}", out)

# --- INVITE to an unknown user ----------------------------------------------
for t in ("u1", "t1"):
    rc, out = sipp("invite404.xml", t, xml_sub={' lost="[lost]"': ""})
    ok(rc == 0, f"sipp INVITE for an unknown user gets 404 and our ACK over {'UDP' if t == 'u1' else 'TCP'}", out)

rc, out = sipp("invite404.xml", "u1", calls=20, extra=("-r", "10"), xml_sub={'lost="[lost]"': 'lost="40"'})
ok(rc == 0, "sipp UAC that retransmits its INVITE (40% of 404s ignored): all 20 calls get their 404", out)

# The same INVITE twice: the server transaction absorbs the retransmission and
# sends the same 404 again.
u2 = Udp()
inv = invite(P, local_port=u2.port)
u2.send(inv, P)
first = u2.recv()
u2.send(inv, P)
second = u2.recv()
ok(status_of(first) == 404 and status_of(second) == 404, "a retransmitted INVITE gets the same 404 again")
ok(first and second and header(first, "To") == header(second, "To"),
   f"… with the same To tag ({header(first, 'To')})")
u2.close()

# --- TCP framing --------------------------------------------------------------
t = Tcp(P)
t.send(options(P, "TCP", t.port) + options(P, "TCP", t.port))
ok(status_of(t.recv()) == 200 and status_of(t.recv()) == 200, "TCP: two OPTIONS in one segment get two 200s")
msg = options(P, "TCP", t.port)
for part in (msg[:17], msg[17:90], msg[90:]):
    t.send(part)
    time.sleep(0.05)
ok(status_of(t.recv()) == 200, "TCP: one OPTIONS split across three segments gets 200")
t.send(b"\r\n\r\n")
time.sleep(0.2)
pong = t.s.recv(16)
ok(pong == b"\r\n", f"TCP: a CRLFCRLF keep-alive ping gets a CRLF pong ({pong!r})")
t.close()

# --- RFC 4475 torture messages ---------------------------------------------
# What RFC 4475 asks of a user agent, per file: the final statuses allowed,
# or None where the message must be dropped (responses, unusable framing).
# A UA with no users answers a well-formed INVITE 404 and a REGISTER 405
# (it is not a registrar); unknown methods get 501; wsinv.dat carries a To
# tag, so it is a request inside a dialog we do not have: 481.
EXPECT = {
    "wsinv.dat": {481}, "intmeth.dat": {501, 405}, "esc01.dat": {404}, "escnull.dat": {405},
    "esc02.dat": {501, 405}, "lwsdisp.dat": {200}, "longreq.dat": {404}, "dblreq.dat": {405},
    "semiuri.dat": {200}, "transports.dat": {200}, "mpart01.dat": {405, 501},
    "unreason.dat": None, "noreason.dat": None,
    "badinv01.dat": {400}, "clerr.dat": {400}, "ncl.dat": {400}, "scalar02.dat": {400},
    "scalarlg.dat": None, "quotbal.dat": {400}, "ltgtruri.dat": {400}, "lwsruri.dat": {400},
    "lwsstart.dat": {400, 404}, "trws.dat": {400, 404}, "escruri.dat": {400, 404},
    "baddate.dat": {400, 404}, "regbadct.dat": {400, 405}, "badaspec.dat": {400},
    "baddn.dat": {400}, "badvers.dat": {505}, "mismatch01.dat": {400}, "mismatch02.dat": {501, 400},
    "bigcode.dat": None,
    "badbranch.dat": {400, 200}, "insuf.dat": {400}, "unkscm.dat": {416}, "novelsc.dat": {416, 404},
    "unksm2.dat": {400, 405}, "bext01.dat": {420}, "invut.dat": {415, 404}, "regaut01.dat": {405, 401},
    "multi01.dat": {400}, "mcl01.dat": {400}, "bcast.dat": None, "zeromf.dat": {200},
    "cparam01.dat": {405}, "cparam02.dat": {405}, "regescrt.dat": {405}, "sdp01.dat": {406, 400, 404},
    "inv2543.dat": {404},
}
def via_port(data):
    """The port a UDP response to DATA goes to: the top Via's sent-by port,
    5060 when it has none; None (any) when the Via asks for rport."""
    m = re.search(rb"(?im)^(?:via|v)[ \t]*:[ \t]*SIP[ \t]*/[ \t]*[^/\s]+[ \t]*/[ \t]*\S+[ \t]+([^;,\r\n]+)(.*)$", data)
    if not m:
        return None
    if re.search(rb";\s*rport(?![=\w])", m.group(2)):
        return None
    host = m.group(1).strip()
    pm = re.search(rb":(\d+)$", host)
    return int(pm.group(1)) if pm else 5060


torture = os.path.join(DATA, "rfc4475")
files = sorted(f for f in os.listdir(torture) if f.endswith(".dat"))
ok(set(files) == set(EXPECT), f"the table covers all {len(files)} torture messages")
def call_id(data):
    m = re.search(rb"(?im)^(?:call-id|i)[ \t]*:[ \t]*(\S+)", data)
    return m.group(1) if m else None


def recv_for(c, data, timeout):
    """The final response to DATA: skips responses to other requests (a 404
    to an earlier INVITE is retransmitted until its ACK, which nobody sends)."""
    want_id = call_id(data)
    end = time.time() + timeout
    while True:
        left = end - time.time()
        if left <= 0:
            return None
        r = c.recv(left)
        if r is None or want_id is None or call_id(r) == want_id:
            return r


for transport in ("udp", "tcp"):
    # A fresh gateway for each transport: the same torture message (same
    # branch) sent again within 32 s would match the earlier transaction.
    gw.stop()
    gw.cleanup()
    gw = Gateway()
    P = gw.sip_port
    bad = []
    for name in files:
        with open(os.path.join(torture, name), "rb") as f:
            data = f.read()
        want = EXPECT.get(name)
        if transport == "udp":
            # RFC 3261 §18.2.2: without rport, the response goes to the
            # source address at the port of the top Via's sent-by (5060 by
            # default), so listen there.
            c = Udp(via_port(data))
            c.send(data, P)
            resp = recv_for(c, data, 1.0 if want is None else 3.0)
            c.close()
        else:
            c = Tcp(P)
            c.send(data)
            resp = recv_for(c, data, 1.0 if want is None else 3.0)
            c.close()
        got = status_of(resp)
        if want is None:
            good = got is None
        elif transport == "tcp" and name in ("clerr.dat", "ncl.dat", "mcl01.dat", "inv2543.dat", "baddn.dat"):
            # On a stream the framing is broken (a bad or missing
            # Content-Length, RFC 3261 §18.3; baddn.dat has no empty line
            # ending its headers): an error or a closed connection.
            good = got in (None, 400)
        else:
            good = got in want
        if not good:
            bad.append(f"{name}: got {got}, want {sorted(want) if want else 'no response'}")
        if not options_ok(gw):
            bad.append(f"{name}: OPTIONS no longer answered")
            break
    ok(not bad, f"RFC 4475 over {transport.upper()}: every message gets what the RFC asks, OPTIONS still 200",
       "\n".join(bad))

# --- bad input ------------------------------------------------------------------
c = Udp()
for i in range(200):
    c.send(bytes(random.getrandbits(8) for _ in range(random.randint(1, 1400))), P)
c.close()
ok(options_ok(gw), "200 garbage datagrams: OPTIONS still answered")

t = Tcp(P)
t.send(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKcut\r\nFrom: <sip:a@b>;ta")
t.close()
ok(options_ok(gw, "tcp"), "a message cut mid-header on TCP: the gateway goes on")

rss0 = gw.rss_kib()
t = Tcp(P)
closed = False
try:
    t.send(b"OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nX-Big: ")
    chunk = b"a" * 65536
    for _ in range(160):  # 10 MB
        t.send(chunk)
except OSError:
    closed = True
closed = closed or t.closed(3)
t.close()
ok(closed, "a 10 MB header on TCP: the connection is closed")
ok(gw.rss_kib() - rss0 < 4096, f"… without buffering it (RSS grew {gw.rss_kib() - rss0} KiB)")
ok(options_ok(gw, "tcp"), "… and OPTIONS over TCP still answered")

# 10,000 requests per second from one address for two seconds, twice:
# answering goes on and memory stays flat.
def flood(seconds=2.0, rate=10000):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    s.bind(("127.0.0.1", 0))
    msgs = [options(P, local_port=s.getsockname()[1], call_id=f"flood{i}") for i in range(64)]
    sent = 0
    start = time.time()
    while time.time() - start < seconds:
        target = int((time.time() - start) * rate)
        while sent < target:
            try:
                s.sendto(msgs[sent % 64], ("127.0.0.1", P))
            except BlockingIOError:
                pass
            sent += 1
        try:
            while s.recv(65535):
                pass
        except BlockingIOError:
            pass
        time.sleep(0.001)
    s.close()
    return sent

flood()
time.sleep(1)
rss1 = gw.rss_kib()
n = flood()
time.sleep(1)
rss2 = gw.rss_kib()
ok(options_ok(gw), f"a flood of {n} OPTIONS in 2 s: still answering OPTIONS")
ok(rss2 - rss1 < 2048, f"… memory flat across a second flood ({rss1} → {rss2} KiB)")

rc = gw.stop()
ok(rc == 0, f"SIGTERM: exit status 0 ({rc})", gw.log()[-3000:])
gw.cleanup()
done()
