// The page's sounds and meters (WebAudio), and the sentences it shows for
// SIP statuses and protocol errors.

// A ring tone generated with two oscillators (440 + 480 Hz, 2 s on, 4 s
// off), and short key beeps for the dial pad.
export class Ringer {
  constructor(ctx) {
    this.ctx = ctx;
    this.playing = false;
    this._nodes = null;
    this._timer = null;
  }

  start() {
    if (this.playing) return;
    this.playing = true;
    const ctx = this.ctx;
    const gain = ctx.createGain();
    gain.gain.value = 0;
    gain.connect(ctx.destination);
    const oscs = [440, 480].map(f => {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start();
      return o;
    });
    this._nodes = { gain, oscs };
    const cycle = () => {
      const t = ctx.currentTime;
      gain.gain.cancelScheduledValues(t);
      gain.gain.setValueAtTime(0, t);
      gain.gain.linearRampToValueAtTime(0.15, t + 0.02);
      gain.gain.setValueAtTime(0.15, t + 2);
      gain.gain.linearRampToValueAtTime(0, t + 2.02);
    };
    cycle();
    this._timer = setInterval(cycle, 6000);
  }

  stop() {
    if (!this.playing) return;
    this.playing = false;
    clearInterval(this._timer);
    this._timer = null;
    const { gain, oscs } = this._nodes;
    for (const o of oscs) { try { o.stop(); } catch { /* stopped */ } o.disconnect(); }
    gain.disconnect();
    this._nodes = null;
  }

  // The DTMF pair of DIGIT, 120 ms, quietly: feedback for the dial pad.
  beep(digit) {
    const rows = { 1: 697, 2: 697, 3: 697, 4: 770, 5: 770, 6: 770, 7: 852, 8: 852, 9: 852, '*': 941, 0: 941, '#': 941 };
    const cols = { 1: 1209, 4: 1209, 7: 1209, '*': 1209, 2: 1336, 5: 1336, 8: 1336, 0: 1336, 3: 1477, 6: 1477, 9: 1477, '#': 1477 };
    if (!(digit in rows)) return;
    const ctx = this.ctx;
    const gain = ctx.createGain();
    gain.gain.value = 0.05;
    gain.connect(ctx.destination);
    const t = ctx.currentTime;
    for (const f of [rows[digit], cols[digit]]) {
      const o = ctx.createOscillator();
      o.frequency.value = f;
      o.connect(gain);
      o.start(t);
      o.stop(t + 0.12);
      o.onended = () => o.disconnect();
    }
    setTimeout(() => gain.disconnect(), 300);
  }
}

// Calls ONLEVEL(0..1) ten times a second with the level of STREAM's audio:
// RMS in dBFS mapped from -60..0 dB onto 0..1. Where the AudioContext does
// not run (no audio output device, or no user gesture yet), STATSLEVEL, an
// async function giving the WebRTC stats' audioLevel (0..1, linear) or null,
// stands in.
export class LevelMeter {
  constructor(ctx, stream, onlevel, statsLevel) {
    this.ctx = ctx;
    this.source = ctx.createMediaStreamSource(stream);
    this.analyser = ctx.createAnalyser();
    this.analyser.fftSize = 1024;
    this.source.connect(this.analyser);
    this.buf = new Float32Array(this.analyser.fftSize);
    this.level = 0;
    this._busy = false;
    this._timer = setInterval(() => this._tick(onlevel, statsLevel), 100);
  }

  async _tick(onlevel, statsLevel) {
    let rms;
    if (this.ctx.state === 'running' || !statsLevel) {
      this.analyser.getFloatTimeDomainData(this.buf);
      let sum = 0;
      for (const x of this.buf) sum += x * x;
      rms = Math.sqrt(sum / this.buf.length);
    } else {
      if (this._busy) return;
      this._busy = true;
      try { rms = await statsLevel(); } catch { rms = null; } finally { this._busy = false; }
      if (rms === null || rms === undefined || this._stopped) return;
    }
    const db = rms > 0 ? 20 * Math.log10(rms) : -100;
    this.level = Math.max(0, Math.min(1, (db + 60) / 60));
    onlevel(this.level);
  }

  stop() {
    this._stopped = true;
    clearInterval(this._timer);
    this.source.disconnect();
    this.analyser.disconnect();
  }
}

// The audioLevel of PC's stats of TYPE ('inbound-rtp' for the far end,
// 'media-source' for the microphone), or null when the browser has none.
export async function statsAudioLevel(pc, type) {
  if (!pc || pc.signalingState === 'closed') return null;
  for (const s of (await pc.getStats()).values())
    if (s.type === type && (s.kind === 'audio' || s.mediaType === 'audio') && typeof s.audioLevel === 'number')
      return s.audioLevel;
  return null;
}

const SIP_STATUS = {
  400: 'The SIP side refused the request as malformed.',
  401: 'The SIP side asked for credentials the gateway does not have.',
  403: 'The call was forbidden by the SIP side.',
  404: 'That number or address does not exist.',
  407: 'The SIP proxy asked for credentials the gateway does not have.',
  408: 'Nobody answered in time.',
  410: 'That number or address is no longer in use.',
  480: 'The person you called is not available right now.',
  484: 'The number is incomplete.',
  486: 'The person you called is busy.',
  487: 'The call was cancelled before it was answered.',
  488: 'The other side cannot use any of the audio formats offered.',
  500: 'The SIP side had an internal error.',
  502: 'A SIP proxy could not reach the next hop.',
  503: 'The SIP side is unavailable right now; try again later.',
  504: 'A SIP server timed out.',
  600: 'The person you called is busy everywhere.',
  603: 'The call was declined.',
  604: 'That number or address does not exist anywhere.',
};

// A sentence for a SIP status that ended a call, or '' for none.
export function sipStatusSentence(status) {
  if (!status) return '';
  if (SIP_STATUS[status]) return SIP_STATUS[status];
  if (status >= 600) return `The call failed everywhere (SIP ${status}).`;
  if (status >= 500) return `The SIP side failed (SIP ${status}).`;
  if (status >= 400) return `The SIP side refused the call (SIP ${status}).`;
  return '';
}

const ERROR_CODES = {
  unauthorized: 'The gateway did not accept the token',
  forbidden: 'The gateway does not allow this',
  not_found: 'The gateway could not find it',
  busy: 'The gateway is busy',
  unavailable: 'The gateway cannot reach what it needs right now',
  bad_request: 'The gateway could not use the request',
  internal: 'The gateway failed',
};

// A sentence for an error (an Rtc2SipError or any Error) from WHAT
// ('connect', 'register', 'call', …).
export function errorSentence(e, what) {
  if (!e) return '';
  if (e.code && ERROR_CODES[e.code]) {
    const lead = e.code === 'unauthorized' && what === 'connect'
      ? 'The gateway did not accept the token: type the token you were given'
      : ERROR_CODES[e.code];
    return e.message && e.message !== e.code ? `${lead}: ${e.message}` : `${lead}.`;
  }
  return e.message || String(e);
}
