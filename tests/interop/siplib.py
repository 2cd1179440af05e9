"""Helpers for the Python SIP interop suites: TAP, ports, the gateway
process, and raw UDP/TCP SIP exchanges on loopback."""
import os
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RTC2SIP = os.environ.get("RTC2SIP", os.path.join(TOP, "gateway", "rtc2sip"))
DATA = os.path.join(TOP, "tests", "data")

_n = 0
_failed = 0


def ok(cond, desc, detail=None):
    global _n, _failed
    _n += 1
    if cond:
        print(f"ok {_n} - {desc}", flush=True)
    else:
        _failed += 1
        print(f"not ok {_n} - {desc}", flush=True)
        if detail:
            for line in str(detail).splitlines()[-40:]:
                print(f"# {line}", flush=True)
    return cond


def skip(desc):
    global _n
    _n += 1
    print(f"ok {_n} # SKIP {desc}", flush=True)


def done():
    print(f"1..{_n}", flush=True)
    sys.exit(1 if _failed else 0)


def free_port(udp_too=True):
    for _ in range(200):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        try:
            if udp_too:
                u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                u.bind(("127.0.0.1", p))
                u.close()
            t2 = socket.socket()
            t2.bind(("127.0.0.1", p + 1))
            t2.close()
            return p
        except OSError:
            continue
        finally:
            s.close()
    raise RuntimeError("no free port")


class Gateway:
    """The gateway with SIP on free ports: udp+tcp on .sip_port, tls on .sip_port+1."""

    saved = 0

    def __init__(self, sets=(), verbose=False):
        self.sets = list(sets)
        self.work = tempfile.mkdtemp(prefix="rtc2sip-sip-")
        self.sip_port = free_port()
        self.http_port = free_port(udp_too=False)
        self.admin_port = free_port(udp_too=False)
        args = [RTC2SIP, "--set", f"http.listen=127.0.0.1:{self.http_port}",
                "--set", f"admin.listen=127.0.0.1:{self.admin_port}",
                "--set", f"sip.listen=udp:127.0.0.1:{self.sip_port}, tcp:127.0.0.1:{self.sip_port}, "
                         f"tls:127.0.0.1:{self.sip_port + 1}"]
        for s in sets:
            args += ["--set", s]
        if verbose:
            args.append("--verbose")
        env = dict(os.environ, XDG_STATE_HOME=os.path.join(self.work, "state"))
        self.log_path = os.path.join(self.work, "gateway.log")
        self.log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=self.log_file, stderr=subprocess.STDOUT, env=env)
        if not self.wait_log(r"SIP listening on", 20):
            self.proc.kill()
            raise RuntimeError("gateway did not start:\n" + self.log())

    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def wait_log(self, pattern, timeout=10, start=0):
        end = time.time() + timeout
        while time.time() < end:
            m = re.search(pattern, self.log()[start:])
            if m:
                return m
            if self.proc.poll() is not None:
                return None
            time.sleep(0.05)
        return None

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.terminate()
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log_file.close()
        self.save_log()
        return rc

    def save_log(self):
        """Copies the log to $ARTIFACTS/gateway-logs/ with the secrets the
        --set options carried, for the secret scan (99-secret-scan.py)."""
        art = os.environ.get("ARTIFACTS")
        if not art:
            return
        d = os.path.join(art, "gateway-logs")
        os.makedirs(d, exist_ok=True)
        Gateway.saved += 1
        base = os.path.join(d, f"{os.path.basename(sys.argv[0])}-{os.getpid()}-{Gateway.saved}")
        shutil.copyfile(self.log_path, base + ".log")
        secrets = [s.split("=", 1)[1] for s in self.sets
                   if re.search(r"(^|\.)(password|secret|token|turn-password)$", s.split("=", 1)[0])]
        try:
            with open(os.path.join(self.work, "state", "rtc2sip", "admin-token")) as f:
                secrets.append(f.read().strip())
        except OSError:
            pass
        with open(base + ".secrets", "w") as f:
            f.writelines(v + "\n" for v in secrets if len(v) >= 6)

    def cleanup(self):
        shutil.rmtree(self.work, ignore_errors=True)


def branch():
    return "z9hG4bK" + "%016x" % random.getrandbits(64)


def options(port, transport="UDP", local_port=None, call_id=None, extra=""):
    cid = call_id or "%x@test" % random.getrandbits(48)
    return (f"OPTIONS sip:rtc2sip@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{local_port or 5999};branch={branch()};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:tester@127.0.0.1>;tag={random.getrandbits(32):x}\r\n"
            f"To: <sip:rtc2sip@127.0.0.1>\r\n"
            f"Call-ID: {cid}\r\n"
            f"CSeq: 1 OPTIONS\r\n"
            f"{extra}"
            f"Content-Length: 0\r\n\r\n").encode()


def invite(port, user="nobody", transport="UDP", local_port=5999, br=None):
    sdp = ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
           "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n")
    return (f"INVITE sip:{user}@127.0.0.1:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/{transport} 127.0.0.1:{local_port};branch={br or branch()};rport\r\n"
            f"Max-Forwards: 70\r\n"
            f"From: <sip:tester@127.0.0.1>;tag={random.getrandbits(32):x}\r\n"
            f"To: <sip:{user}@127.0.0.1>\r\n"
            f"Call-ID: {random.getrandbits(48):x}@test\r\n"
            f"CSeq: 1 INVITE\r\n"
            f"Contact: <sip:tester@127.0.0.1:{local_port}>\r\n"
            f"Content-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}").encode()


def status_of(msg):
    m = re.match(rb"SIP/2\.0 (\d{3})", msg or b"")
    return int(m.group(1)) if m else None


def header(msg, name):
    m = re.search(rb"(?im)^" + name.encode() + rb"\s*:\s*(.*?)\r?$", msg or b"")
    return m.group(1).decode(errors="replace") if m else None


class Udp:
    def __init__(self, port=None):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind(("127.0.0.1", port or 0))
        self.port = self.s.getsockname()[1]

    def send(self, data, port):
        self.s.sendto(data, ("127.0.0.1", port))

    def recv(self, timeout=2.0, final_only=True):
        """The next response (skipping 1xx when FINAL_ONLY), or None."""
        end = time.time() + timeout
        while True:
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            data, _ = self.s.recvfrom(65535)
            st = status_of(data)
            if final_only and st is not None and st < 200:
                continue
            return data

    def close(self):
        self.s.close()


def make_test_cert(folder, name):
    """A throwaway EC certificate NAME.pem and key NAME.key in FOLDER, and its
    "sha-256 AB:…" fingerprint (for phones' SDP)."""
    key, cert = os.path.join(folder, f"{name}.key"), os.path.join(folder, f"{name}.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", f"/CN={name}"],
                   check=True, capture_output=True)
    out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-fingerprint", "-sha256"],
                         check=True, capture_output=True, text=True).stdout
    return key, cert, "sha-256 " + out.strip().split("=", 1)[1]


class UacDialog:
    """A UAC's one dialog toward the gateway over UDP (for the DTLS phone
    suites): requests in the dialog, final responses, BYEs from the gateway
    answered and kept in .pending."""

    def __init__(self, gw_port, user="alice"):
        self.udp = Udp()
        self.gw_port = gw_port
        self.user = user
        self.call_id = f"{random.getrandbits(48):x}@phone"
        self.tag = f"{random.getrandbits(32):x}"
        self.cseq = 0
        self.to = f"<sip:{user}@127.0.0.1>"
        self.pending = []

    def request(self, method, body=None):
        if method != "ACK":
            self.cseq += 1
        msg = (f"{method} sip:{self.user}@127.0.0.1:{self.gw_port} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP 127.0.0.1:{self.udp.port};branch={branch()}\r\n"
               "Max-Forwards: 70\r\n"
               f"From: <sip:phone@127.0.0.1>;tag={self.tag}\r\n"
               f"To: {self.to}\r\n"
               f"Call-ID: {self.call_id}\r\n"
               f"CSeq: {self.cseq} {method}\r\n"
               f"Contact: <sip:phone@127.0.0.1:{self.udp.port}>\r\n")
        if body:
            msg += f"Content-Type: application/sdp\r\nContent-Length: {len(body)}\r\n\r\n{body}"
        else:
            msg += "Content-Length: 0\r\n\r\n"
        self.udp.send(msg.encode(), self.gw_port)

    def answer(self, req):
        """200 OK to a request from the gateway."""
        lines = [ln for ln in req.decode(errors="replace").split("\r\n")
                 if re.match(r"(?i)(via|from|to|call-id|cseq):", ln)]
        self.udp.send(("SIP/2.0 200 OK\r\n" + "\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n").encode(),
                      self.gw_port)

    def final(self, timeout):
        """The final response to our last request, or None."""
        end = time.time() + timeout
        while time.time() < end:
            m = self.udp.recv(max(0.1, end - time.time()), final_only=False)
            if m and m.startswith(b"BYE "):
                self.answer(m)
                self.pending.append(m)
                continue
            st = status_of(m) if m else None
            if st and st >= 200:
                return m
        return None

    def ack_if_ok(self, resp):
        if resp and status_of(resp) == 200:
            self.to = header(resp, "To") or self.to
            self.request("ACK")
        return resp

    def invite(self, body, timeout=20):
        self.request("INVITE", body)
        return self.ack_if_ok(self.final(timeout))

    def wait_bye(self, timeout):
        end = time.time() + timeout
        while time.time() < end and not self.pending:
            m = self.udp.recv(0.2, final_only=False)
            if m and m.startswith(b"BYE "):
                self.answer(m)
                self.pending.append(m)
        return self.pending[0] if self.pending else None

    def hang_up(self):
        self.request("BYE")
        self.final(5)
        self.udp.close()


class Tcp:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.port = self.s.getsockname()[1]
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def closed(self, timeout=3.0):
        end = time.time() + timeout
        while time.time() < end:
            r, _, _ = select.select([self.s], [], [], end - time.time())
            if r:
                try:
                    chunk = self.s.recv(65535)
                except OSError:
                    return True
                if not chunk:
                    return True
                self.buf += chunk
        return False

    def recv(self, timeout=2.0, final_only=True):
        end = time.time() + timeout
        while True:
            m = re.search(rb"\r\n\r\n", self.buf)
            if m:
                head = self.buf[:m.end()]
                cl = int(header(head, "Content-Length") or header(head, "l") or 0)
                if len(self.buf) >= m.end() + cl:
                    msg, self.buf = self.buf[:m.end() + cl], self.buf[m.end() + cl:]
                    st = status_of(msg)
                    if final_only and st is not None and st < 200:
                        continue
                    return msg
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            chunk = self.s.recv(65535)
            if not chunk:
                return None
            self.buf += chunk

    def close(self):
        self.s.close()


def options_ok(gw, transport="udp"):
    """Does the gateway still answer OPTIONS with 200?"""
    if transport == "udp":
        u = Udp()
        u.send(options(gw.sip_port, local_port=u.port), gw.sip_port)
        r = u.recv(2)
        u.close()
    else:
        t = Tcp(gw.sip_port)
        t.send(options(gw.sip_port, "TCP", t.port))
        r = t.recv(2)
        t.close()
    return status_of(r) == 200


class Page:
    """A Chromium page driven through pagedriver.mjs (see there)."""

    def __init__(self, url, wav=None, ui=False):
        """UI: drive the gateway's own page by its labels (else a bare
        protocol client is injected as window.T)."""
        here = os.path.dirname(os.path.abspath(__file__))
        self.proc = subprocess.Popen(["node", os.path.join(here, "pagedriver.mjs")], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1)
        self.cmd({"cmd": "open_ui" if ui else "open", "url": url, "wav": wav}, timeout=60)

    def click(self, name, role="button"):
        return self.cmd({"cmd": "click", "role": role, "name": name})

    def fill(self, label, value):
        return self.cmd({"cmd": "fill", "label": label, "value": value})

    def text(self, selector):
        return self.cmd({"cmd": "text", "selector": selector})

    def wait_text(self, text, ms=10000):
        return self.cmd({"cmd": "waittext", "text": text, "ms": ms}, timeout=ms / 1000 + 10)

    def screenshot(self, path):
        return self.cmd({"cmd": "screenshot", "path": path})

    def cmd(self, obj, timeout=30):
        import json
        self.proc.stdin.write(json.dumps(obj) + "\n")
        self.proc.stdin.flush()
        r, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not r:
            raise RuntimeError(f"page driver: no answer to {obj.get('cmd')}")
        res = json.loads(self.proc.stdout.readline())
        if not res.get("ok"):
            raise RuntimeError(f"page driver: {res.get('error')}")
        return res.get("result")

    def js(self, expr, timeout=30):
        return self.cmd({"cmd": "eval", "js": expr}, timeout)

    def wait(self, pred, ms=10000):
        return self.cmd({"cmd": "wait", "pred": pred, "ms": ms}, timeout=ms / 1000 + 10)

    def quit(self):
        try:
            self.cmd({"cmd": "quit"}, timeout=20)
        except Exception:
            pass
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
