"""Drive real baresip phones (Debian's baresip-core 1.0.0) from the interop suites.

Each Baresip() is one baresip process with its own config folder (-f DIR), SIP on
127.0.0.1:.sip_port (baresip also opens TLS on .sip_port+1), controlled over
ctrl_tcp (netstring-framed JSON) on 127.0.0.1:.ctrl_port. It plays a tone WAV as
its microphone (aufile, 48 kHz file, resampled by baresip to the codec's rate) and
records what it sends and receives (sndfile). The player is "aubridge,play-NAME":
no sound card, nothing ever pulls it (aubridge only runs a device that also has
a source of the same name), and sndfile records decoded audio as packets arrive.

    from baresip import Baresip
    import tone
    b = Baresip("b", tone_hz=1000)                       # auto-answers, no registration
    a = Baresip("a", tone_hz=440, mediaenc="dtls_srtp")
    a.dial(b.uri())                                      # "sip:b@127.0.0.1:PORT"
    a.wait_event("CALL_ESTABLISHED"); b.wait_event("CALL_ESTABLISHED")
    a.wait_audio(3.0)                                    # let audio flow
    a.send_dtmf("12#"); b.wait_event("CALL_DTMF_START")
    a.hangup(); b.wait_event("CALL_CLOSED")["param"]     # "Connection reset by peer"
    tone.has_tone(b.received_wav(), 440, 2.0)            # True
    a.stop(); b.stop()

Constructor Baresip(name="ua", **options); options:
    user           account user (default NAME)
    domain         host[:port] of the account's AOR, i.e. where REGISTER goes and the
                   default domain for dialling; default "127.0.0.1". For calls to the
                   gateway put the gateway's SIP address here.
    transport      None/"udp", "tcp" or "tls": added as ;transport= to the AOR
    register       False: ;regint=0 (no REGISTER). True: register every REGINT s
    regint         registration interval when REGISTER is on (default 600)
    password       ;auth_pass= (and auth_user= if AUTH_USER is given)
    auth_user      ;auth_user=
    outbound       ;outbound="sip:..." (a proxy for every request)
    answermode     "auto" (default), "manual" or "early"
    mediaenc       None (plain RTP/AVP), "srtp" (SDES best effort, RTP/AVP),
                   "srtp-mand" (RTP/SAVP), "srtp-mandf" (RTP/SAVPF), "dtls_srtp"
                   (UDP/TLS/RTP/SAVPF)
    medianat       None or "ice" (loads ice.so). NOTE: with ICE, baresip 1.0.0 gathers
                   host candidates on every non-loopback interface (net_interface
                   does not limit them) and puts the first in c=: media then uses
                   the machine's LAN address, not 127.0.0.1
    audio_codecs   ;audio_codecs=, names as baresip registers them: "pcmu", "pcma",
                   "opus/48000/2", "g722/16000/1" (a bare "g722" means g722/8000/1
                   and is not found; start() raises on an unknown codec). Default:
                   all loaded codecs, offered as PCMU, PCMA, opus, G722
    rtcp_mux       False (default, baresip's own default) or True
    tone_hz        frequency of the microphone tone (default 440); 0 for silence
    tone_seconds   length of the tone file (default 120; baresip hangs the call up
                   when the file ends)
    tone_wav       use this existing 48 kHz 16-bit mono WAV instead
    sip_trace      True (default): run with -s so log() holds every SIP message
    extra_config   iterable of extra "key value" config lines
    extra_account  raw string appended to the accounts line
    sip_port, ctrl_port   fixed ports instead of free ones
    start          False to only write the config (then call .start())

Attributes: .dir (config folder), .snd_dir (recordings), .sip_port, .ctrl_port,
    .events (every ctrl_tcp event as a dict, in arrival order), .proc.

Control (each returns the ctrl_tcp response dict {"ok": bool, "data": str, ...}):
    dial(uri)        /dial: the call starts; watch CALL_RINGING, CALL_ESTABLISHED,
                     CALL_CLOSED
    answer()         /accept the incoming call (answermode=manual)
    hangup()         /hangup the current call (BYE, CANCEL or 486 as appropriate)
    send_dtmf(digits)   /sndcode per digit (RFC 4733 telephone-event), paced so
                     the receiver sees each one (CALL_DTMF_START/END)
    hold(), resume() /hold and /resume: re-INVITE with a=sendonly, then sendrecv
    reinvite()       /reinvite
    callstat()       /callstat text: SDP attributes, formats, fingerprints
    command(name, params=None, timeout=5)   any menu command by its long name
                     (the list: command("help"); 1.0.0 has no ctrl_tcp command for
                     the DTLS fingerprint, hence fingerprint() below)

Registration:
    registration_state()  "OK" | "ERR" | "zzz" (not registering) from /reginfo
    wait_registration(states=("OK",), timeout=10)   poll it; the first REGISTER's
                     REGISTER_OK/FAIL events can precede the ctrl_tcp connection

Events (ctrl_tcp "event" messages: {"type", "class", "accountaor", "direction",
    "peeruri", "id", "param", ...}); types seen with 1.0.0: CALL_INCOMING,
    CALL_RINGING, CALL_PROGRESS, CALL_ESTABLISHED, CALL_CLOSED (param: the reason:
    "Connection reset by user" on the side that hung up, "Connection reset by
    peer" on the other, "486 Rejected" for a caller whose call was refused), CALL_LOCAL_SDP /
    CALL_REMOTE_SDP (param offer|answer), CALL_MENC (param "0,audio,RTP" or
    "0,audio,RTCP": one per DTLS-SRTP session keyed; SDES has none), CALL_RTPESTAB, CALL_RTCP, CALL_DTMF_START (param
    digit), CALL_DTMF_END, REGISTERING, REGISTER_OK, REGISTER_FAIL, UNREGISTERING.
    wait_event(type, timeout=10, pred=None, after=None)
        the first not-yet-returned event of TYPE (and matching PRED(event)); each
        returned event is consumed, so waiting twice for CALL_ESTABLISHED returns
        the first call's then the second call's. AFTER: only events with index >=
        AFTER (use mark() to take an index). Returns None on timeout.
    mark()           len(events): an index for wait_event(after=...)
    events_of(type)  every event of TYPE so far

Audio:
    wait_audio(seconds)   sleep while media flows (the only intended sleep)
    received_wav(), sent_wav()
        path of the newest recording of decoded received / encoded sent audio
        ("dump-<time>-dec.wav" / "-enc.wav" in .snd_dir, at the codec's rate); the
        file is readable mid-call with tone.read_wav, complete after CALL_CLOSED.
        Frames are written only while packets arrive, so silence on the wire
        (hold) is missing from the file rather than recorded as zeros.
    recordings()     all recordings, oldest first
    audio_stats()    {"rx_packets", "tx_packets", "dir", "rx_pipeline", "tx_pipeline",
                     "menc", "secure"} from /audio_debug (None without a call)
    wait_rx_packets(n, timeout=5)   wait for N more received RTP packets

    KNOWN BARESIP 1.0.0 QUIRK: a re-INVITE that changes the media direction (hold
    sent or received: sendonly/recvonly/inactive) restarts the player and drops the
    decode filter chain for the rest of the call, so received_wav() stops growing
    at the hold and never resumes (the rx pipeline in audio_stats() loses
    "sndfile"). Audio after a resume is still flowing: prove it with
    wait_rx_packets() / audio_stats(), or with the peer's recording. A re-INVITE
    that stays sendrecv (reinvite(), session refresh) keeps the recording going.
    Also: 1.0.0's hold stops sending on the holding side too (no RTP either way).
    Recordings are named by the second the call's audio started: two calls of
    one instance within the same second share (overwrite) a file.

Inspection:
    log()            baresip's stdout+stderr so far (with -s: the SIP trace)
    sip_messages()   [(direction "tx"|"rx", text)] parsed from the SIP trace
    fingerprint()    "sha-256 AB:CD:..." of this instance's DTLS certificate (one
                     self-signed certificate per process): from /callstat during a call,
                     else from the last SDP this instance sent; None if neither
    remote_fingerprint()  the peer's, from /callstat during a call
    uri(user=None)   "sip:USER@127.0.0.1:SIP_PORT", to dial this instance directly
    alive(), stop()  stop() sends /quit (which hangs up and unregisters), then
                     terminates; returns the exit status. Also a context manager:
                     "with Baresip(...) as b:" stops it at the end.
    cleanup()        remove the config folder (call after stop)

Tone WAVs (48 kHz, one per frequency and length) are shared by all instances of
the process, in a temp folder removed at exit.
"""
import atexit
import glob
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import tone

MODULE_PATH = "/usr/lib/baresip/modules"
BARESIP = os.environ.get("BARESIP", "baresip")
_ports_handed = set()
_ports_lock = threading.Lock()


def available():
    """Is baresip installed with the modules this harness needs?"""
    return shutil.which(BARESIP) is not None and all(
        os.path.exists(os.path.join(MODULE_PATH, m))
        for m in ("g711.so", "aufile.so", "sndfile.so", "ctrl_tcp.so", "aubridge.so"))


def _port_free(p, udp=True):
    socks = []
    try:
        t = socket.socket()
        socks.append(t)
        t.bind(("127.0.0.1", p))
        if udp:
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            socks.append(u)
            u.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


def free_port(span=2, udp=True):
    """A port P with P..P+SPAN-1 free (TCP, and UDP on P), never handed out before
    in this process, and at least SPAN away from every port handed out."""
    for _ in range(500):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        p = s.getsockname()[1]
        s.close()
        if p + span > 65535:
            continue
        with _ports_lock:
            if any(abs(p - q) < 2 for q in _ports_handed):
                continue
            if not (_port_free(p, udp) and all(_port_free(p + i, False) for i in range(1, span))):
                continue
            for i in range(span):
                _ports_handed.add(p + i)
        return p
    raise RuntimeError("no free port")


_tone_dir = None


def _shared_tone(hz, seconds):
    """One 48 kHz tone WAV per (HZ, SECONDS) for the whole process, removed at exit."""
    global _tone_dir
    if _tone_dir is None:
        _tone_dir = tempfile.mkdtemp(prefix="baresip-tones-")
        atexit.register(shutil.rmtree, _tone_dir, True)
    path = os.path.join(_tone_dir, f"tone-{hz}-{seconds}.wav")
    if not os.path.exists(path):
        tone.make_tone_wav(path + ".tmp", hz, seconds, 48000)
        os.replace(path + ".tmp", path)
    return path


class Baresip:

    def __init__(self, name="ua", user=None, domain="127.0.0.1", transport=None,
                 register=False, regint=600, password=None, auth_user=None, outbound=None,
                 answermode="auto", mediaenc=None, medianat=None, audio_codecs=None,
                 rtcp_mux=False, tone_hz=440, tone_seconds=120, tone_wav=None,
                 sip_trace=True, extra_config=(), extra_account="", sip_port=None,
                 ctrl_port=None, start=True):
        self.name = name
        self.user = user or name
        self.domain = domain
        self.dir = tempfile.mkdtemp(prefix=f"baresip-{name}-")
        self.snd_dir = os.path.join(self.dir, "rec")
        os.makedirs(self.snd_dir)
        self.sip_port = sip_port or free_port(2)
        self.ctrl_port = ctrl_port or free_port(1, udp=False)
        self.tone_hz = tone_hz
        self.sip_trace = sip_trace
        self.events = []
        self._consumed = set()
        self._responses = {}
        self._cond = threading.Condition()
        self._token = 0
        self._sock = None
        self._reader = None
        self.proc = None
        self._log_file = None
        self.log_path = os.path.join(self.dir, "baresip.log")

        if tone_wav is None:
            tone_wav = _shared_tone(tone_hz, tone_seconds)
        self.tone_wav = tone_wav

        mods = ["g711.so", "opus.so", "g722.so", "srtp.so", "dtls_srtp.so", "aufile.so",
                "aubridge.so", "sndfile.so"]
        if medianat == "ice":
            mods.append("ice.so")
        mods = [m for m in mods if os.path.exists(os.path.join(MODULE_PATH, m))]
        cfg = [
            f"module_path\t{MODULE_PATH}",
            f"sip_listen\t127.0.0.1:{self.sip_port}",
            "net_interface\t127.0.0.1",
            "poll_method\tepoll",
            "call_local_timeout\t120",
            "call_max_calls\t4",
            # aufile needs the file's rate as the source rate; baresip resamples
            # 48 kHz to the codec's rate (8/16/48 kHz).
            f"audio_source\taufile,{tone_wav}",
            "ausrc_srate\t48000",
            "ausrc_channels\t1",
            # aubridge is a player without a sound card: it pulls the decoded audio
            # on its own clock and drops it (no matching aubridge source).
            f"audio_player\taubridge,play-{name}",
            f"audio_alert\taubridge,alert-{name}",
            "auplay_srate\t48000",
            "auplay_channels\t1",
            "audio_buffer\t20-160",
            "rtp_tos\t0",
            f"rtcp_mux\t{'yes' if rtcp_mux else 'no'}",
            "jitter_buffer_delay\t1-10",
            "statmode_default\toff",
            "ringback_disabled\tyes",
            "menu_bell\tno",
            f"snd_path\t{self.snd_dir}",
            f"ctrl_tcp_listen\t127.0.0.1:{self.ctrl_port}",
            "opus_bitrate\t32000",
        ]
        cfg += [f"module\t{m}" for m in mods]
        cfg += ["module_tmp\taccount.so", "module_app\tmenu.so", "module_app\tctrl_tcp.so"]
        for line in extra_config:
            key = line.split(None, 1)[0] if line.strip() else ""
            same = [i for i, c in enumerate(cfg) if c.split(None, 1)[0] == key]
            if same and key not in ("module", "module_tmp", "module_app"):
                cfg[same[0]] = line
            else:
                cfg.append(line)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write("\n".join(cfg) + "\n")

        aor = f"sip:{self.user}@{domain}"
        if transport and transport != "udp":
            aor += f";transport={transport}"
        acc = f"<{aor}>"
        if register:
            acc += f";regint={regint}"
        else:
            acc += ";regint=0"
        if auth_user:
            acc += f";auth_user={auth_user}"
        if password:
            acc += f";auth_pass={password}"
        if outbound:
            acc += f';outbound="{outbound}"'
        if answermode:
            acc += f";answermode={answermode}"
        if mediaenc:
            acc += f";mediaenc={mediaenc}"
        if medianat:
            acc += f";medianat={medianat}"
        if audio_codecs:
            acc += f";audio_codecs={audio_codecs}"
        acc += extra_account
        self.account_line = acc
        with open(os.path.join(self.dir, "accounts"), "w") as f:
            f.write(acc + "\n")
        with open(os.path.join(self.dir, "contacts"), "w") as f:
            f.write("")
        if start:
            self.start()

    # --- process -----------------------------------------------------------------
    def start(self, timeout=10):
        args = [BARESIP, "-f", self.dir]
        if self.sip_trace:
            args.append("-s")
        self._log_file = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=subprocess.STDOUT, cwd=self.dir)
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise RuntimeError(f"baresip {self.name} exited at start:\n{self.log()[-3000:]}")
            text = self.log()
            bad = re.search(r"account: audio codec not found: \S+|module \S+\.so: [^\n\x1b]*", text)
            if bad:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError(f"baresip {self.name}: {bad.group(0)}")
            if "baresip is ready." in text:
                try:
                    self._sock = socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=2)
                    break
                except OSError:
                    pass
            time.sleep(0.05)
        if self._sock is None:
            self.proc.kill()
            raise RuntimeError(f"baresip {self.name} did not start:\n{self.log()[-3000:]}")
        self._sock.settimeout(None)
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()
        return self

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def stop(self, timeout=5):
        """Quit baresip (hanging up its calls); the exit status."""
        if self.proc is None:
            return None
        if self.alive() and self._sock is not None:
            try:
                self._send({"command": "quit", "token": "quit"})
            except OSError:
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        if self.alive():
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        rc = self.proc.wait()
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return rc

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def uri(self, user=None):
        return f"sip:{user or self.user}@127.0.0.1:{self.sip_port}"

    # --- ctrl_tcp ------------------------------------------------------------------
    def _send(self, obj):
        body = json.dumps(obj).encode()
        self._sock.sendall(str(len(body)).encode() + b":" + body + b",")

    def _read_loop(self):
        buf = b""
        sock = self._sock
        while True:
            try:
                chunk = sock.recv(65536)
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while True:
                colon = buf.find(b":")
                if colon < 0:
                    break
                try:
                    n = int(buf[:colon])
                except ValueError:
                    buf = b""  # lost framing: drop what we have
                    break
                if len(buf) < colon + 1 + n + 1:
                    break
                body = buf[colon + 1:colon + 1 + n]
                buf = buf[colon + 1 + n + 1:]
                try:
                    msg = json.loads(body.decode(errors="replace"))
                except ValueError:
                    continue
                with self._cond:
                    msg["_t"] = time.time()
                    if msg.get("event"):
                        self.events.append(msg)
                    elif msg.get("response"):
                        self._responses[msg.get("token")] = msg
                    self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def command(self, name, params=None, timeout=5):
        """Run a menu command by its long name; the response dict, or
        {"ok": False, "data": "timeout"}."""
        with self._cond:
            self._token += 1
            token = f"t{self._token}"
        msg = {"command": name, "token": token}
        if params is not None:
            msg["params"] = params
        self._send(msg)
        end = time.time() + timeout
        with self._cond:
            while token not in self._responses:
                left = end - time.time()
                if left <= 0 or not self.alive():
                    return {"ok": False, "data": "timeout"}
                self._cond.wait(min(left, 0.2))
            return self._responses.pop(token)

    def dial(self, uri):
        return self.command("dial", uri)

    def answer(self):
        return self.command("accept")

    def hangup(self):
        return self.command("hangup")

    def hold(self):
        return self.command("hold")

    def resume(self):
        return self.command("resume")

    def reinvite(self):
        return self.command("reinvite")

    def callstat(self):
        r = self.command("callstat")
        return r.get("data", "") if r.get("ok") else ""

    def registration_state(self):
        """"OK", "ERR" or "zzz" (no registration) for this instance's account, from
        /reginfo; None if unknown. (REGISTER_OK/REGISTER_FAIL events of the first
        REGISTER can come before the ctrl_tcp connection exists: poll this instead.)"""
        r = self.command("reginfo")
        m = re.search(r"sip:\S+\s+(?:\x1b\[[0-9;]*m)?(\w+)", r.get("data", "")) if r.get("ok") else None
        return m.group(1) if m else None

    def wait_registration(self, states=("OK",), timeout=10):
        """Poll /reginfo until the state is one of STATES; the state seen last."""
        end = time.time() + timeout
        st = self.registration_state()
        while st not in states and time.time() < end:
            time.sleep(0.1)
            st = self.registration_state()
        return st

    def audio_debug(self):
        """/audio_debug text of the current call ("" without a call)."""
        r = self.command("audio_debug")
        return r.get("data", "") if r.get("ok") else ""

    def audio_stats(self):
        """{"rx_packets", "tx_packets", "dir", "tx_pipeline", "rx_pipeline", "menc",
        "secure"} from /audio_debug; None without a call. rx_packets counts RTP
        packets received from the peer (RTCP member "rcvd"), tx_packets the RTP
        packets sent."""
        text = self.audio_debug()
        if "Audio stream" not in text:
            return None
        def grab(pattern, conv=str, default=None):
            m = re.search(pattern, text)
            return conv(m.group(1)) if m else default
        return {
            "rx_packets": sum(int(x) for x in re.findall(r"rcvd=(\d+)", text)),
            "tx_packets": grab(r"TX: packets=(\d+)", int, 0),
            "dir": grab(r"audio dir=(\w+)"),
            "tx_pipeline": grab(r"audio tx pipeline:\s*(.*)"),
            "rx_pipeline": grab(r"audio rx pipeline:\s*(.*)"),
            "menc": grab(r"menc: (\S+)"),
            "secure": grab(r"secure=(\w+)") == "yes",
        }

    def wait_rx_packets(self, more, timeout=5):
        """Wait until MORE further RTP packets have arrived; the stats or None."""
        st = self.audio_stats()
        if st is None:
            return None
        goal = st["rx_packets"] + more
        end = time.time() + timeout
        while time.time() < end:
            time.sleep(0.1)
            st = self.audio_stats()
            if st is None:
                return None
            if st["rx_packets"] >= goal:
                return st
        return None

    def send_dtmf(self, digits, gap=0.25):
        """Send each digit as RFC 4733 events; waits GAP s between digits (baresip
        sends one digit's event packets over about 200 ms)."""
        last = None
        for i, d in enumerate(digits):
            if i:
                time.sleep(gap)
            last = self.command("sndcode", d)
            if not last.get("ok"):
                return last
        return last

    # --- events --------------------------------------------------------------------
    def mark(self):
        with self._cond:
            return len(self.events)

    def events_of(self, etype):
        with self._cond:
            return [e for e in self.events if e.get("type") == etype]

    def wait_event(self, etype, timeout=10, pred=None, after=None):
        end = time.time() + timeout
        with self._cond:
            while True:
                start = after or 0
                for i in range(start, len(self.events)):
                    e = self.events[i]
                    if i in self._consumed or e.get("type") != etype:
                        continue
                    if pred is not None and not pred(e):
                        continue
                    self._consumed.add(i)
                    return e
                left = end - time.time()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 0.2))

    def wait_audio(self, seconds):
        time.sleep(seconds)

    # --- recordings ----------------------------------------------------------------
    def recordings(self):
        return sorted(glob.glob(os.path.join(self.snd_dir, "*.wav")), key=os.path.getmtime)

    def _newest(self, suffix):
        files = [f for f in glob.glob(os.path.join(self.snd_dir, f"*-{suffix}.wav"))]
        if not files:
            return None
        return max(files, key=lambda f: (os.path.getctime(f), f))

    def received_wav(self):
        return self._newest("dec")

    def sent_wav(self):
        return self._newest("enc")

    # --- SIP trace and fingerprints ------------------------------------------------
    _TRACE = re.compile(r"(UDP|TCP|TLS) (\S+):(\d+) -> (\S+):(\d+)\r?\n(.*?)(?:\x1b\[;m|\Z)", re.S)

    def sip_messages(self):
        """[("tx"|"rx", message text)] from the -s trace, in log order."""
        out = []
        for m in self._TRACE.finditer(self.log()):
            d = "tx" if int(m.group(3)) == self.sip_port else "rx"
            out.append((d, m.group(6).replace("\r\n", "\n")))
        return out

    @staticmethod
    def _fp(text):
        m = re.search(r"(?i)SHA-256 ([0-9A-F]{2}(?::[0-9A-F]{2}){31})", text or "")
        return f"sha-256 {m.group(1).upper()}" if m else None

    def fingerprint(self):
        stat = self.callstat() if self.alive() else ""
        m = re.search(r"local attributes:\s*\n(?:\s+\S.*\n)*?\s+fingerprint='([^']*)'", stat)
        if m:
            return self._fp(m.group(1))
        for d, text in reversed(self.sip_messages()):
            if d == "tx":
                fp = re.search(r"(?im)^a=fingerprint:(.*)$", text)
                if fp:
                    return self._fp(fp.group(1))
        return None

    def remote_fingerprint(self):
        stat = self.callstat() if self.alive() else ""
        m = re.search(r"remote attributes:\s*\n(?:\s+\S.*\n)*?\s+fingerprint='([^']*)'", stat)
        return self._fp(m.group(1)) if m else None

    def __repr__(self):
        return f"Baresip({self.name}, sip={self.sip_port}, ctrl={self.ctrl_port}, dir={self.dir})"
