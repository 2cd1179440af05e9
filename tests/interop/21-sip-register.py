#!/usr/bin/env python3
"""The gateway registers trunks with registrars that challenge with digest
(MD5 and SHA-256): a registrar written here that checks every digest
response, and sipp as a registrar (MD5, checked by sipp's verifyauth).
Registrations are refreshed before they expire and removed at shutdown."""
import hashlib
import os
import re
import select
import socket
import subprocess
import threading
import time

from siplib import Gateway, done, free_port, header, ok

HERE = os.path.dirname(os.path.abspath(__file__))
USER, PASSWORD, REALM = "alice", "s3cret-pw", "test.rtc2sip"


class Registrar(threading.Thread):
    """A UDP registrar challenging with ALGORITHM, granting GRANT seconds."""

    def __init__(self, algorithm, grant=4):
        super().__init__(daemon=True)
        self.algorithm, self.grant = algorithm, grant
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", 0))
        self.port = self.s.getsockname()[1]
        self.log = []          # (time, kind, detail)
        self.nonce = os.urandom(8).hex()
        self.running = True
        self.start()

    def H(self, text):
        h = hashlib.md5 if self.algorithm == "MD5" else hashlib.sha256
        return h(text.encode()).hexdigest()

    def check(self, msg, method="REGISTER"):
        auth = header(msg, "Authorization")
        if not auth:
            return None
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth))
        ha1 = self.H(f"{p.get('username')}:{REALM}:{PASSWORD}")
        ha2 = self.H(f"{method}:{p.get('uri')}")
        if p.get("qop"):
            want = self.H(f"{ha1}:{p['nonce']}:{p['nc']}:{p['cnonce']}:{p['qop']}:{ha2}")
        else:
            want = self.H(f"{ha1}:{p['nonce']}:{ha2}")
        return p.get("response") == want and p.get("username") == USER and p.get("nonce") == self.nonce \
            and p.get("algorithm", "MD5").upper() == self.algorithm

    def reply(self, msg, addr, status, reason, extra=""):
        lines = [f"SIP/2.0 {status} {reason}"]
        for name in ("Via", "From", "To", "Call-ID", "CSeq"):
            for v in re.findall(rb"(?im)^" + name.encode() + rb"\s*:\s*(.*?)\r?$", msg):
                v = v.decode()
                if name == "To" and "tag=" not in v:
                    v += ";tag=reg1"
                lines.append(f"{name}: {v}")
        out = "\r\n".join(lines) + "\r\n" + extra + "Content-Length: 0\r\n\r\n"
        self.s.sendto(out.encode(), addr)

    def run(self):
        while self.running:
            r, _, _ = select.select([self.s], [], [], 0.2)
            if not r:
                continue
            msg, addr = self.s.recvfrom(65535)
            if not msg.startswith(b"REGISTER "):
                continue
            contact = header(msg, "Contact") or ""
            expires = header(msg, "Expires")
            m = re.search(r"expires=(\d+)", contact)
            asked = int(m.group(1)) if m else int(expires) if expires else None
            verdict = self.check(msg)
            if verdict is None:
                self.log.append((time.time(), "challenge", asked))
                self.reply(msg, addr, 401, "Unauthorized",
                           f'WWW-Authenticate: Digest realm="{REALM}", nonce="{self.nonce}", '
                           f'algorithm={self.algorithm}, qop="auth"\r\n')
            elif not verdict:
                self.log.append((time.time(), "bad-digest", asked))
                self.reply(msg, addr, 403, "Forbidden")
            else:
                kind = "unregister" if asked == 0 else "register"
                self.log.append((time.time(), kind, asked))
                grant = 0 if asked == 0 else self.grant
                self.reply(msg, addr, 200, "OK",
                           f"Contact: {contact.split(';expires=')[0]};expires={grant}\r\n" if grant else "")

    def count(self, kind):
        return sum(1 for e in self.log if e[1] == kind)


md5 = Registrar("MD5")
sha = Registrar("SHA-256")

# sipp as a registrar (MD5, verifyauth); started before the gateway.
sipp_port = free_port()
sipp_work = os.path.join("/tmp", f"rtc2sip-sipp-reg-{os.getpid()}")
os.makedirs(sipp_work, exist_ok=True)
with open(os.path.join(HERE, "sip", "registrar-md5.xml")) as f:
    scenario = f.read().replace("@USER@", USER).replace("@PASSWORD@", PASSWORD)
scenario_path = os.path.join(sipp_work, "registrar-md5.xml")
with open(scenario_path, "w") as f:
    f.write(scenario)
sipp = subprocess.Popen(
    ["sipp", "-sf", scenario_path, "-i", "127.0.0.1", "-p", str(sipp_port),
     "-m", "1", "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err"],
    cwd=sipp_work, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
time.sleep(0.3)


def trunk(name, port, extra=()):
    return [f"trunk:{name}.address=127.0.0.1:{port}", f"trunk:{name}.register=true",
            f"trunk:{name}.username={USER}", f"trunk:{name}.password={PASSWORD}",
            f"trunk:{name}.domain=test.rtc2sip", *extra]


gw = Gateway(trunk("md5", md5.port) + trunk("sha", sha.port) + trunk("sipp", sipp_port))

ok(gw.wait_log(r"trunk md5: sip:alice@test.rtc2sip registered", 10), "MD5: registered after the challenge", gw.log())
ok(gw.wait_log(r"trunk sha: sip:alice@test.rtc2sip registered", 10), "SHA-256: registered after the challenge")
ok(md5.count("challenge") >= 1 and md5.count("register") >= 1 and md5.count("bad-digest") == 0,
   f"MD5: the registrar checked the digest response ({md5.log})")
ok(sha.count("challenge") >= 1 and sha.count("register") >= 1 and sha.count("bad-digest") == 0,
   f"SHA-256: the registrar checked the digest response ({sha.log})")
asked = [e[2] for e in md5.log if e[1] == "register"]
ok(asked and asked[0] == 3600, f"the gateway asked for trunk.expires (3600 s): {asked}")

# The registrars granted 4 s: refreshes come before that runs out.
time.sleep(6)
for reg, name in ((md5, "MD5"), (sha, "SHA-256")):
    times = [e[0] for e in reg.log if e[1] == "register"]
    gaps = [round(b - a, 1) for a, b in zip(times, times[1:])]
    ok(len(times) >= 3 and all(0.5 <= g < 4.0 for g in gaps),
       f"{name}: refreshed before expiry ({len(times)} registrations, gaps {gaps} s)", reg.log)

ok(gw.wait_log(r"trunk sipp: sip:alice@test.rtc2sip registered", 10),
   "sipp registrar (MD5, verifyauth): registered", gw.log()[-2000:])

rc = gw.stop()
ok(rc == 0, f"SIGTERM: exit status 0 ({rc})")
time.sleep(0.3)
ok(md5.count("unregister") == 1 and sha.count("unregister") == 1,
   f"shutdown unregisters (expires=0) from each registrar ({md5.count('unregister')}, {sha.count('unregister')})")
try:
    out, _ = sipp.communicate(timeout=15)
except subprocess.TimeoutExpired:
    sipp.kill()
    out, _ = sipp.communicate()
ok(sipp.returncode == 0, "sipp's registrar scenario (challenge, verified digest, unregister at shutdown) passed",
   out[-2500:] + "".join(open(os.path.join(sipp_work, f)).read()[-1500:]
                         for f in os.listdir(sipp_work) if f.endswith("errors.log")))
md5.running = sha.running = False
gw.cleanup()
done()
