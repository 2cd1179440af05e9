// rtc2sip browser client: a plain ES module (no build step) over
// RTCPeerConnection and the gateway's WebSocket protocol (docs/protocol.md).
// The API is described in docs/client.md.
//
//   import { Rtc2Sip } from './rtc2sip.js';
//   const gw = new Rtc2Sip();                  // ws(s)://<this host>/ws
//   await gw.connect();                         // hello → welcome
//   const call = await gw.call('echo', { stream });
//   call.on('security', sec => …); call.on('hangup', ev => …);
//   call.hangup();
//   gw.on('incoming', call => call.accept({ stream }));

export class Emitter {
  constructor() { this._handlers = new Map(); }
  on(type, fn) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(fn);
    return this;
  }
  once(type, fn) {
    const wrap = (...args) => { this.off(type, wrap); fn(...args); };
    return this.on(type, wrap);
  }
  off(type, fn) { this._handlers.get(type)?.delete(fn); return this; }
  emit(type, ...args) {
    for (const fn of [...(this._handlers.get(type) ?? [])]) {
      try { fn(...args); } catch (e) { console.error(e); }
    }
  }
}

let nextId = 1;
let nextCall = 1;

export const DTMF_DIGITS = /^[0-9*#A-Da-d]{1,32}$/;

// An `error` message from the gateway, as an Error: .code is the protocol
// code (bad_request, unauthorized, …), .call the call it is about, if any.
export class Rtc2SipError extends Error {
  constructor(msg) {
    super(msg.message || msg.code || 'unknown error');
    this.name = 'Rtc2SipError';
    this.code = msg.code;
    this.call = msg.call;
    this.id = msg.id;
  }
}

// One call, outgoing (Rtc2Sip.call) or incoming (the 'incoming' event).
// state: 'calling' → 'ringing' (incoming only) → 'answered' → 'connected' → 'ended'.
export class Call extends Emitter {
  constructor(client, name, pc, { direction = 'outgoing', to = null, from = null, startedAt } = {}) {
    super();
    this.client = client;
    this.name = name;
    this.pc = pc;
    this.direction = direction;
    this.to = to;
    this.from = from;
    this.state = direction === 'incoming' ? 'ringing' : 'calling';
    this.security = null;
    this.muted = false;
    this.offerSdp = null;      // outgoing: the offer as sent; incoming: the gateway's offer
    this.answerSdp = null;     // outgoing: the gateway's answer; incoming: ours as sent
    this.remoteStream = new MediaStream();
    this.timeline = { start: startedAt ?? performance.now() };
    this._queue = Promise.resolve();
    this._signalled = false;   // may we trickle (the call/accept went out)?
    this._pendingCandidates = [];
    pc.ontrack = ev => {
      this.remoteStream.addTrack(ev.track);
      this.emit('track', ev.track, this.remoteStream);
    };
    pc.onicecandidate = ev => {
      const c = ev.candidate;
      const candidate = c && c.candidate
        ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null;
      if (this._signalled) this._sendCandidate(candidate);
      else this._pendingCandidates.push(candidate);
    };
    pc.oniceconnectionstatechange = () => {
      const s = pc.iceConnectionState;
      this._mark('ice_' + s);
      if (s === 'connected' || s === 'completed') this._mark('ice');
      this.emit('iceconnectionstate', s);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') { this._mark('dtls_connected'); this._mark('dtls'); }
      this.emit('connectionstate', pc.connectionState);
    };
  }

  // Records the first time WHAT happened, in ms since the call started, and
  // emits 'timeline' (what, ms).
  _mark(what) {
    if (what in this.timeline) return;
    const ms = Math.round(performance.now() - this.timeline.start);
    this.timeline[what] = ms;
    this.emit('timeline', what, ms);
  }

  _sendCandidate(candidate) {
    if (this.state === 'ended') return;
    this.client._send({ type: 'candidate', call: this.name, candidate });
  }

  _startTrickle() {
    this._signalled = true;
    for (const c of this._pendingCandidates.splice(0)) this._sendCandidate(c);
  }

  // Messages of one call are handled one after the other, in order, so a
  // candidate never overtakes the description it belongs to.
  _onMessage(msg) {
    this._queue = this._queue.then(() => this._handle(msg)).catch(e => {
      console.error(e);
      this.emit('error', e);
    });
    return this._queue;
  }

  async _handle(msg) {
    if (this.state === 'ended') return;
    switch (msg.type) {
      case 'answer':
        if (this.direction !== 'outgoing' || this.answerSdp !== null) return;
        this._mark('answer');
        this._mark('answered');
        this.answerSdp = msg.sdp;
        if (this.state === 'calling') this.state = 'answered';
        await this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
        this.emit('answer', msg.sdp);
        break;
      case 'candidate':
        if (msg.candidate && msg.candidate.candidate) await this.pc.addIceCandidate(msg.candidate);
        else await this.pc.addIceCandidate(null).catch(() => {});
        break;
      case 'progress':
        this._mark('progress_' + msg.status);
        if (msg.status === 180 || msg.status === 183) this._mark('ringing');
        this.emit('progress', msg);
        break;
      case 'connected':
        this._mark('media');
        this.state = 'connected';
        this.emit('connected');
        break;
      case 'security':
        this.security = msg;
        this.emit('security', msg);
        break;
      case 'dtmf':
        this.emit('dtmf', msg.digit);
        break;
      case 'hangup':
        this._end(msg);
        break;
      case 'error': {
        const err = new Rtc2SipError(msg);
        this.emit('error', err);
        // A refused call request frees the call name: the call is over.
        if (this.state === 'calling') this._end({ reason: msg.message || msg.code, error: msg.code });
        break;
      }
    }
  }

  _end(msg) {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this._mark('ended');
    try { this.pc.close(); } catch { /* already closed */ }
    if (this.client.calls.get(this.name) === this) this.client.calls.delete(this.name);
    this.emit('hangup', msg);
  }

  // Incoming calls: answers the gateway's offer (it is ICE controlling and
  // offers a=setup:actpass; the browser answers active). options.stream: the
  // microphone; options.transformAnswer(sdp): a hook to edit the answer.
  async accept(options = {}) {
    if (this.direction !== 'incoming') throw new Error('accept: only an incoming call can be accepted');
    if (this.state !== 'ringing') throw new Error(`accept: the call is ${this.state}, not ringing`);
    this.state = 'answered';
    await this._remoteSet;
    if (options.stream) {
      for (const t of options.stream.getAudioTracks()) this.pc.addTrack(t, options.stream);
      for (const tr of this.pc.getTransceivers())
        if (tr.receiver.track?.kind === 'audio' && tr.direction === 'recvonly') tr.direction = 'sendrecv';
    }
    const answer = await this.pc.createAnswer();
    await this.pc.setLocalDescription(answer);
    if (this.state === 'ended') return this;
    let sdp = this.pc.localDescription.sdp;
    if (options.transformAnswer) sdp = options.transformAnswer(sdp);
    this.answerSdp = sdp;
    this._mark('answered');
    this.client._send({ type: 'accept', call: this.name, sdp });
    this._startTrickle();
    return this;
  }

  // Incoming calls: refuses the call with a SIP status (default 486 Busy Here).
  reject(status = 486) {
    if (this.direction !== 'incoming') throw new Error('reject: only an incoming call can be rejected; use hangup');
    if (this.state !== 'ringing') return;
    this.client._send({ type: 'reject', call: this.name, status });
    this._end({ reason: 'you declined the call', sip_status: status, local: true });
  }

  // Ends the call in any state. The gateway sends nothing more about it.
  hangup() {
    if (this.state === 'ended') return;
    this.client._send({ type: 'hangup', call: this.name });
    this._end({ reason: 'you hung up', local: true });
  }

  // Sends DTMF toward the SIP side: DIGITS is 1-32 of 0-9 * # A-D.
  sendDtmf(digits, duration_ms) {
    digits = String(digits);
    if (!DTMF_DIGITS.test(digits)) throw new Error(`sendDtmf: "${digits}" is not 1 to 32 of 0-9 * # A-D`);
    if (this.state === 'ended') throw new Error('sendDtmf: the call has ended');
    const msg = { type: 'dtmf', call: this.name, digits: digits.toUpperCase() };
    if (duration_ms !== undefined) msg.duration_ms = duration_ms;
    this.client._send(msg);
  }

  // Mutes (true) or unmutes (false) the microphone: the track keeps running
  // and sends silence.
  mute(on = true) {
    this.muted = !!on;
    for (const s of this.pc.getSenders()) if (s.track) s.track.enabled = !this.muted;
    this.emit('mute', this.muted);
  }
}

export class Rtc2Sip extends Emitter {
  // url: the WebSocket URL, by default /ws on the page's own host.
  constructor(url, options = {}) {
    super();
    const proto = typeof location !== 'undefined' && location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = url || `${proto}//${location.host}/ws`;
    this.options = options;
    this.calls = new Map();
    this.pending = new Map();
    this.registrations = new Map();
    this.welcome = null;
    this.ws = null;
    this._connecting = null;
  }

  get connected() { return !!this.ws && this.ws.readyState === WebSocket.OPEN && !!this.welcome; }

  // Opens the WebSocket and says hello; resolves with the welcome message
  // ({version, fingerprint, ice_servers}). A refused token rejects with an
  // Rtc2SipError of code 'unauthorized' and closes the socket.
  connect(token) {
    if (this.connected) return Promise.resolve(this.welcome);
    if (this._connecting) return this._connecting;
    this._connecting = new Promise((resolve, reject) => {
      let settled = false;
      const fail = err => {
        if (settled) return;
        settled = true;
        this._connecting = null;
        reject(err);
      };
      let ws;
      try { ws = new WebSocket(this.url); } catch (e) { fail(e); return; }
      this.ws = ws;
      this.welcome = null;
      ws.onopen = () => {
        this.emit('open');
        const hello = { type: 'hello' };
        if (token) hello.token = token;
        this._request(hello).then(w => {
          if (settled) return;
          settled = true;
          this._connecting = null;
          this.welcome = w;
          resolve(w);
        }, e => { fail(e); ws.close(); });
      };
      ws.onerror = () => {
        const err = new Error(`cannot reach the gateway at ${this.url}`);
        if (!settled) fail(err); else this.emit('error', err);
      };
      ws.onclose = ev => {
        if (this.ws !== ws) return;
        fail(new Error(`the gateway closed the connection${ev.reason ? `: ${ev.reason}` : ''}`));
        for (const p of this.pending.values()) p.reject(new Error('the connection to the gateway closed'));
        this.pending.clear();
        for (const call of [...this.calls.values()]) call._end({ reason: 'the connection to the gateway closed' });
        this.registrations.clear();
        this.welcome = null;
        this.emit('close', ev);
      };
      ws.onmessage = ev => this._onMessage(ev.data);
    });
    return this._connecting;
  }

  close() { this.ws?.close(); }

  _send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error('not connected to the gateway');
    this.ws.send(JSON.stringify(msg));
  }

  // Sends MSG with a fresh id; resolves with the reply, rejects on `error`.
  _request(msg) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try { this._send({ ...msg, id }); } catch (e) { this.pending.delete(id); reject(e); }
    });
  }

  _onMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    if (!msg || typeof msg !== 'object') return;
    this.emit('message', msg);
    // Replies to hello/register/unregister/ping. Replies to `call` (its
    // first answer or hangup) go to the call, below.
    let replied = false;
    if (msg.id !== undefined && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Rtc2SipError(msg)); else p.resolve(msg);
      replied = true;
    }
    switch (msg.type) {
      case 'incoming': this._incoming(msg); return;
      case 'registered':
        this.registrations.set(msg.user, msg);
        this.emit('registered', msg);
        return;
      case 'unregistered':
        this.registrations.delete(msg.user);
        this.emit('unregistered', msg);
        return;
    }
    const call = msg.call !== undefined ? this.calls.get(msg.call) : null;
    if (call) call._onMessage(msg);
    // An error that answers a request rejected its promise; others are
    // the client's.
    else if (msg.type === 'error' && !replied) this.emit('error', new Rtc2SipError(msg));
  }

  _peerConnection() {
    const iceServers = this.welcome?.ice_servers ?? [];
    return new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
  }

  _incoming(msg) {
    if (typeof msg.call !== 'string' && typeof msg.call !== 'number') return;
    if (this.calls.has(msg.call)) return;
    const pc = this._peerConnection();
    const call = new Call(this, msg.call, pc, { direction: 'incoming', from: msg.from, to: msg.to });
    call.offerSdp = msg.sdp;
    this.calls.set(msg.call, call);
    // The offer is applied at once so trickled candidates can follow it;
    // nothing goes back to the gateway until accept().
    call._remoteSet = pc.setRemoteDescription({ type: 'offer', sdp: msg.sdp });
    call._queue = call._remoteSet.catch(e => {
      call.emit('error', new Error(`the gateway's offer was refused by the browser: ${e.message}`));
      if (call.state === 'ringing') call.reject(488);
    });
    this.emit('incoming', call);
  }

  // Receives SIP calls addressed to USER at the gateway; with uri and
  // password the gateway also registers that address upstream. Resolves with
  // the `registered` message; rejects with an Rtc2SipError.
  register({ user, uri, auth_user, password, proxy } = {}) {
    const msg = { type: 'register', user };
    for (const [k, v] of Object.entries({ uri, auth_user, password, proxy })) if (v) msg[k] = v;
    return this._request(msg);
  }

  unregister(user) { return this._request({ type: 'unregister', user }); }

  ping() { return this._request({ type: 'ping' }); }

  // Starts a call to TO ("echo", a SIP URI or a number). options.stream: the
  // microphone stream; options.transformOffer(sdp): a hook to edit the offer;
  // options.name: the call name (default c1, c2, …); options.startedAt: a
  // performance.now() time the timeline counts from.
  async call(to, options = {}) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) throw new Error('not connected to the gateway');
    const pc = this._peerConnection();
    let name = options.name;
    while (!name || this.calls.has(name)) name = `c${nextCall++}`;
    const call = new Call(this, name, pc, { direction: 'outgoing', to, startedAt: options.startedAt });
    this.calls.set(name, call);
    try {
      if (options.stream) for (const t of options.stream.getAudioTracks()) pc.addTrack(t, options.stream);
      else pc.addTransceiver('audio', { direction: 'sendrecv' });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      let sdp = pc.localDescription.sdp;
      if (options.transformOffer) sdp = options.transformOffer(sdp);
      call.offerSdp = sdp;
      this._send({ type: 'call', id: nextId++, call: name, to, sdp });
    } catch (e) {
      call._end({ reason: e.message, local: true });
      throw e;
    }
    call._startTrickle();
    return call;
  }
}

// "sha-256 5E:3A:91:C0:…" → "5E3A 91C0 …": fingerprints grouped for reading
// aloud, four hex digits at a time.
export function groupFingerprint(fp) {
  if (!fp) return '';
  const hex = String(fp).replace(/^\S+\s+/, '').replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/.{1,4}/g)?.join(' ') ?? '';
}

// The fingerprint line of an SDP, in the "sha-256 AB:CD:…" form.
export function sdpFingerprint(sdp) {
  const m = /a=fingerprint:(\S+) (\S+)/.exec(sdp || '');
  return m ? `${m[1].toLowerCase()} ${m[2].toUpperCase()}` : null;
}
