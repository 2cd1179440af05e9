// rtc2sip browser client: a thin ES module over RTCPeerConnection and the
// gateway's WebSocket protocol (docs/protocol.md). No build step.
//
//   import { Rtc2Sip } from './rtc2sip.js';
//   const gw = new Rtc2Sip();                 // ws(s)://<this host>/ws
//   await gw.connect();                        // hello → welcome
//   const call = await gw.call('echo', { stream });
//   call.on('security', sec => …); call.on('hangup', ev => …);
//   call.hangup();

export class Emitter {
  constructor() { this._handlers = new Map(); }
  on(type, fn) {
    if (!this._handlers.has(type)) this._handlers.set(type, new Set());
    this._handlers.get(type).add(fn);
    return this;
  }
  off(type, fn) { this._handlers.get(type)?.delete(fn); return this; }
  emit(type, ...args) {
    for (const fn of this._handlers.get(type) ?? []) {
      try { fn(...args); } catch (e) { console.error(e); }
    }
  }
}

let nextId = 1;
let nextCall = 1;

export class Rtc2SipError extends Error {
  constructor(msg) {
    super(msg.message || msg.code);
    this.code = msg.code;
    this.call = msg.call;
  }
}

export class Call extends Emitter {
  constructor(client, name, pc) {
    super();
    this.client = client;
    this.name = name;
    this.pc = pc;
    this.state = 'calling';
    this.security = null;
    this.remoteStream = new MediaStream();
    this.timeline = { start: performance.now() };
    pc.ontrack = ev => {
      this.remoteStream.addTrack(ev.track);
      this.emit('track', ev.track, this.remoteStream);
    };
    pc.onicecandidate = ev => {
      const c = ev.candidate;
      this.client._send({ type: 'candidate', call: name,
        candidate: c && c.candidate ? { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex } : null });
    };
    pc.oniceconnectionstatechange = () => {
      this._mark('ice_' + pc.iceConnectionState);
      this.emit('iceconnectionstate', pc.iceConnectionState);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected') this._mark('dtls_connected');
      this.emit('connectionstate', pc.connectionState);
    };
  }

  _mark(what) {
    if (!(what in this.timeline)) this.timeline[what] = Math.round(performance.now() - this.timeline.start);
  }

  async _onMessage(msg) {
    switch (msg.type) {
      case 'answer':
        this._mark('answer');
        await this.pc.setRemoteDescription({ type: 'answer', sdp: msg.sdp });
        this.emit('answer', msg.sdp);
        break;
      case 'candidate':
        if (msg.candidate) await this.pc.addIceCandidate(msg.candidate);
        else await this.pc.addIceCandidate(null).catch(() => {});
        break;
      case 'progress':
        this._mark('progress_' + msg.status);
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
      case 'error':
        this.emit('error', new Rtc2SipError(msg));
        if (this.state === 'calling') this._end({ reason: msg.message, error: msg.code });
        break;
    }
  }

  _end(msg) {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.pc.close();
    this.client.calls.delete(this.name);
    this.emit('hangup', msg);
  }

  hangup() {
    if (this.state === 'ended') return;
    this.client._send({ type: 'hangup', call: this.name });
    this._end({ reason: 'you hung up' });
  }

  mute(on = true) {
    for (const s of this.pc.getSenders()) if (s.track) s.track.enabled = !on;
  }
}

export class Rtc2Sip extends Emitter {
  constructor(url, options = {}) {
    super();
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.url = url || `${proto}//${location.host}/ws`;
    this.options = options;
    this.calls = new Map();
    this.pending = new Map();
    this.welcome = null;
  }

  connect(token) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.onopen = () => {
        this.emit('open');
        this._request({ type: 'hello', ...(token ? { token } : {}) }).then(w => {
          this.welcome = w;
          resolve(w);
        }, reject);
      };
      ws.onerror = () => reject(new Error(`cannot reach the gateway at ${this.url}`));
      ws.onclose = ev => {
        for (const call of [...this.calls.values()]) call._end({ reason: 'the connection to the gateway closed' });
        this.emit('close', ev);
      };
      ws.onmessage = ev => this._onMessage(ev.data);
    });
  }

  close() { this.ws?.close(); }

  _send(msg) { this.ws.send(JSON.stringify(msg)); }

  _request(msg) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this._send({ ...msg, id });
    });
  }

  async _onMessage(text) {
    let msg;
    try { msg = JSON.parse(text); } catch { return; }
    this.emit('message', msg);
    if (msg.id !== undefined && this.pending.has(msg.id) && msg.type !== 'candidate') {
      const p = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (msg.type === 'error') p.reject(new Rtc2SipError(msg)); else p.resolve(msg);
    }
    const call = msg.call !== undefined ? this.calls.get(msg.call) : null;
    if (call) await call._onMessage(msg);
    else if (msg.type === 'error') this.emit('error', new Rtc2SipError(msg));
  }

  // Starts a call to TO ("echo", a SIP URI or a number). options.stream: the
  // microphone stream; options.transformOffer(sdp): a hook to edit the offer.
  async call(to, options = {}) {
    const iceServers = this.welcome?.ice_servers ?? [];
    const pc = new RTCPeerConnection({ iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    const name = options.name || `c${nextCall++}`;
    const call = new Call(this, name, pc);
    this.calls.set(name, call);
    if (options.stream) for (const t of options.stream.getTracks()) pc.addTrack(t, options.stream);
    else pc.addTransceiver('audio', { direction: 'sendrecv' });
    const offer = await pc.createOffer();
    await pc.setLocalDescription(offer);
    let sdp = pc.localDescription.sdp;
    if (options.transformOffer) sdp = options.transformOffer(sdp);
    call.offerSdp = sdp;
    this._send({ type: 'call', id: nextId++, call: name, to, sdp });
    return call;
  }
}
