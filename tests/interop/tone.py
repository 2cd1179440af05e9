"""Tone WAVs and tone detection for the interop suites, in pure Python (no numpy).

Writing:
    make_tone_wav(path, freq, seconds, rate=48000, amplitude=0.35)
        16-bit mono sine; FREQ 0 writes silence. Long files are cheap: one
        second of samples is computed and repeated (so FREQ should be an
        integer number of Hz for a seamless loop).

Reading:
    read_wav(path) -> Wav(rate, samples)
        samples are floats in [-1, 1], first channel only. Tolerates a WAV whose
        header sizes were never finalised (a recording still being written, as
        baresip's sndfile leaves it mid-call): the data chunk then runs to the
        end of the file.
    Every analysis function takes a Wav or a path, and an optional time range
    START..END in seconds.

Analysis:
    rms(wav)                       root mean square, 0..1 (full-scale sine: 0.707)
    goertzel_power(samples, rate, freq)
                                   share of the block's energy at FREQ (0..1;
                                   a pure tone at FREQ gives about 1.0)
    dominant_frequency(wav, candidates)
                                   the candidate with the most energy, or None for
                                   silence
    windows(wav, freq, window=0.1) per-window (t, rms, share) tuples
    tone_seconds(wav, freq)        how many seconds of the file carry FREQ as the
                                   main component (share >= 0.5, rms above the
                                   silence floor)
    has_tone(wav, freq, min_seconds=1.0)
                                   tone_seconds(...) >= min_seconds; robust to
                                   leading silence, PLC gaps and codec noise
                                   (PCMU/PCMA/G722/Opus keep a steady tone above
                                   90% share)
    duration(wav)                  length in seconds
"""
import array
import math
import os
import struct
import sys
import wave

SILENCE_RMS = 0.005   # about -46 dBFS: below this a window is silence
MIN_SHARE = 0.5       # the tone must be at least half of the window's energy


class Wav:
    def __init__(self, rate, samples, path=None):
        self.rate = rate
        self.samples = samples
        self.path = path

    def __len__(self):
        return len(self.samples)

    def seconds(self):
        return len(self.samples) / float(self.rate) if self.rate else 0.0

    def slice(self, start=None, end=None):
        a = 0 if start is None else max(0, int(start * self.rate))
        b = len(self.samples) if end is None else max(a, int(end * self.rate))
        return Wav(self.rate, self.samples[a:b], self.path)

    def __repr__(self):
        return f"Wav({self.path or '-'}, {self.rate} Hz, {self.seconds():.2f} s)"


def make_tone_wav(path, freq, seconds, rate=48000, amplitude=0.35):
    """Write a 16-bit mono sine of FREQ Hz lasting SECONDS at RATE; returns PATH."""
    peak = int(32767 * amplitude)
    one = array.array("h", (int(round(peak * math.sin(2 * math.pi * freq * i / rate)))
                            for i in range(rate)))
    if sys.byteorder != "little":
        one.byteswap()
    whole, frac = int(seconds), seconds - int(seconds)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        data = one.tobytes()
        for _ in range(whole):
            w.writeframes(data)
        if frac > 0:
            w.writeframes(data[:2 * int(frac * rate)])
    return path


def _pcm_to_floats(raw, width, channels):
    if width == 2:
        n = len(raw) // 2
        a = array.array("h")
        a.frombytes(raw[:2 * n])
        if sys.byteorder != "little":
            a.byteswap()
        vals = a
        scale = 32768.0
    elif width == 1:
        vals = [b - 128 for b in raw]
        scale = 128.0
    elif width == 4:
        n = len(raw) // 4
        a = array.array("i")
        a.frombytes(raw[:4 * n])
        if sys.byteorder != "little":
            a.byteswap()
        vals = a
        scale = 2147483648.0
    else:
        raise ValueError(f"unsupported sample width {width}")
    if channels > 1:
        vals = vals[::channels]
    return [v / scale for v in vals]


def _read_raw_riff(path):
    """Parse a RIFF/WAVE file by hand, taking the data chunk up to EOF when its
    size is 0 or too large (a header not yet finalised)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file")
    pos = 12
    fmt = None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = pos + 8
        if cid == b"fmt ":
            tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[body:body + 16])
            fmt = (tag, channels, rate, bits)
        elif cid == b"data":
            if fmt is None:
                raise ValueError(f"{path}: data before fmt")
            end = len(data) if size == 0 or body + size > len(data) else body + size
            tag, channels, rate, bits = fmt
            if tag not in (1, 0xFFFE):
                raise ValueError(f"{path}: not PCM (format tag {tag})")
            width = bits // 8
            raw = data[body:end]
            raw = raw[:len(raw) - len(raw) % (width * channels)]
            return Wav(rate, _pcm_to_floats(raw, width, channels), path)
        pos = body + size + (size & 1)
    if fmt is not None:
        return Wav(fmt[2], [], path)
    raise ValueError(f"{path}: no data chunk")


def read_wav(path):
    """A Wav from PATH (16-bit PCM normally; 8/32-bit also accepted)."""
    try:
        with wave.open(path, "rb") as w:
            n = w.getnframes()
            raw = w.readframes(n)
            rate, width, channels = w.getframerate(), w.getsampwidth(), w.getnchannels()
        # A header still saying 0 frames while the file has bytes: a live recording.
        if n == 0 and os.path.getsize(path) > 64:
            return _read_raw_riff(path)
        return Wav(rate, _pcm_to_floats(raw, width, channels), path)
    except (wave.Error, EOFError):
        return _read_raw_riff(path)


def _wav(w, start=None, end=None):
    if not isinstance(w, Wav):
        w = read_wav(w)
    if start is not None or end is not None:
        w = w.slice(start, end)
    return w


def duration(wav):
    return _wav(wav).seconds()


def rms(wav, start=None, end=None):
    s = wav if isinstance(wav, list) else _wav(wav, start, end).samples
    if not s:
        return 0.0
    return math.sqrt(sum(x * x for x in s) / len(s))


def goertzel_power(samples, rate, freq):
    """Share of the energy of SAMPLES that sits at FREQ (0..1).

    Normalised so that a pure sine at FREQ over a whole number of cycles gives 1.0:
    2|X(f)|^2 / N^2 divided by the mean square."""
    n = len(samples)
    if n == 0:
        return 0.0
    k = 2.0 * math.cos(2.0 * math.pi * freq / rate)
    s1 = s2 = 0.0
    energy = 0.0
    for x in samples:
        s0 = x + k * s1 - s2
        s2 = s1
        s1 = s0
        energy += x * x
    if energy <= 0.0:
        return 0.0
    mag2 = s1 * s1 + s2 * s2 - k * s1 * s2
    return min(1.0, (2.0 * mag2 / (n * n)) / (energy / n))


def _block_len(rate, freq, window):
    """A block close to WINDOW seconds holding a whole number of FREQ cycles, so
    the Goertzel bin sits right on the tone."""
    if freq <= 0:
        return max(1, int(rate * window))
    cycles = max(1, round(freq * window))
    return max(1, int(round(cycles * rate / freq)))


def windows(wav, freq, window=0.1, start=None, end=None):
    """[(t_seconds, rms, share_at_freq)] for consecutive blocks of about WINDOW s."""
    w = _wav(wav, start, end)
    n = _block_len(w.rate, freq, window)
    out = []
    off = 0.0 if start is None else start
    for i in range(0, len(w.samples) - n + 1, n):
        blk = w.samples[i:i + n]
        out.append((off + i / float(w.rate), rms(blk), goertzel_power(blk, w.rate, freq)))
    return out


def tone_seconds(wav, freq, start=None, end=None, window=0.1, min_share=MIN_SHARE,
                 floor=SILENCE_RMS):
    """Seconds of WAV (optionally START..END) in which FREQ is the main component."""
    w = _wav(wav, start, end)
    n = _block_len(w.rate, freq, window)
    hits = sum(1 for _, r, share in windows(w, freq, window) if r >= floor and share >= min_share)
    return hits * n / float(w.rate) if w.rate else 0.0


def has_tone(wav, freq, min_seconds=1.0, start=None, end=None, min_share=MIN_SHARE):
    """Does WAV carry FREQ for at least MIN_SECONDS (not necessarily contiguous)?"""
    return tone_seconds(wav, freq, start, end, min_share=min_share) >= min_seconds


def dominant_frequency(wav, candidates, start=None, end=None, floor=SILENCE_RMS):
    """The candidate frequency with the most energy over WAV, None if silent.

    Measured per 100 ms window and summed, so leading silence does not matter."""
    w = _wav(wav, start, end)
    if rms(w.samples) < floor:
        return None
    best, best_score = None, -1.0
    for f in candidates:
        score = sum(share * r * r for _, r, share in windows(w, f))
        if score > best_score:
            best, best_score = f, score
    return best


def describe(wav, candidates=(), start=None, end=None):
    """A one-line summary for test diagnostics."""
    w = _wav(wav, start, end)
    parts = [f"{w.seconds():.2f}s @{w.rate}Hz rms={rms(w.samples):.3f}"]
    for f in candidates:
        parts.append(f"{f}Hz:{tone_seconds(w, f):.1f}s")
    return " ".join(parts)


if __name__ == "__main__":
    # python3 tone.py FILE.wav [FREQ ...]: print a summary.
    fs = [float(x) for x in sys.argv[2:]] or [440.0, 1000.0]
    print(describe(sys.argv[1], fs), "dominant:", dominant_frequency(sys.argv[1], fs))
