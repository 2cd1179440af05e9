// A small protocol client injected into a page for interop suites: raw
// WebSocket + RTCPeerConnection, independent of the page's own UI code, so
// the suites test the gateway rather than the page.
export const pageClient = () => {
  const T = {
    events: [], calls: {},
    async open() {
      T.ws = new WebSocket(`ws://${location.host}/ws`);
      // One message at a time: a candidate must not overtake the SDP
      // that came before it.
      let queue = Promise.resolve();
      T.ws.onmessage = ev => { const m = JSON.parse(ev.data); queue = queue.then(() => T.onMessage(m)); };
      await new Promise(r => { T.ws.onopen = r; });
      T.send({ type: 'hello', id: 'h' });
      await T.wait(m => m.type === 'welcome');
    },
    send(m) { T.ws.send(JSON.stringify(m)); },
    async wait(pred, ms = 10000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = T.events.find(pred);
        if (m) return m;
        if (Date.now() > end) return null;
        await new Promise(r => setTimeout(r, 50));
      }
    },
    async onMessage(m) {
      T.events.push(m);
      const c = T.calls[m.call];
      if (m.type === 'incoming') {
        const pc = T.newPc(m.call);
        await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp });
      } else if (m.type === 'answer' && c) {
        await c.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      } else if (m.type === 'candidate' && c) {
        try { await c.pc.addIceCandidate(m.candidate ?? null); } catch (e) {}
      } else if (m.type === 'hangup' && c) {
        c.pc.close();
      }
    },
    newPc(call) {
      const pc = new RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
      const audio = new Audio();
      audio.autoplay = true;
      pc.ontrack = ev => { audio.srcObject = new MediaStream([ev.track]); audio.play().catch(() => {}); };
      pc.onicecandidate = ev => T.send({ type: 'candidate', call,
        candidate: ev.candidate && ev.candidate.candidate ? { candidate: ev.candidate.candidate,
          sdpMid: ev.candidate.sdpMid, sdpMLineIndex: ev.candidate.sdpMLineIndex } : null });
      T.calls[call] = { pc, audio };
      return pc;
    },
    async mic(pc) {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const t of stream.getTracks()) pc.addTrack(t, stream);
    },
    async call(call, to) {
      const pc = T.newPc(call);
      await T.mic(pc);
      await pc.setLocalDescription(await pc.createOffer());
      T.send({ type: 'call', id: call, call, to, sdp: pc.localDescription.sdp });
    },
    async accept(call) {
      const pc = T.calls[call].pc;
      await T.mic(pc);
      await pc.setLocalDescription(await pc.createAnswer());
      T.send({ type: 'accept', call, sdp: pc.localDescription.sdp });
    },
    async stats(call) {
      const r = await T.calls[call].pc.getStats();
      for (const s of r.values())
        if (s.type === 'inbound-rtp' && s.kind === 'audio')
          return { packets: s.packetsReceived, energy: s.totalAudioEnergy };
      return { packets: 0, energy: 0 };
    },
  };
  window.T = T;
};
