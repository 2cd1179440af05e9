// Captures real Chromium SDP for the tests/data/sdp fixtures.
// Usage (outside the worktree): npm install playwright-core@1; node capture-chromium.js OUTDIR
// Writes chromium-audio-offer.sdp, chromium-av-offer.sdp,
// chromium-audio-offer-trickle.sdp (before gathering) and chromium-answer.sdp.
const { chromium } = require('playwright-core');
const fs = require('fs');
const path = require('path');

const out = process.argv[2] || '.';
const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args });
  const page = await browser.newPage();
  // about:blank is not a secure context in headless Chromium (no
  // navigator.mediaDevices); serve an empty page as http://localhost/ instead.
  await page.route('http://localhost/', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>sdp</title>' }));
  await page.goto('http://localhost/');
  const result = await page.evaluate(async () => {
    function gathered(pc) {
      return new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => {
          if (pc.iceGatheringState === 'complete') resolve();
        });
        setTimeout(resolve, 5000);
      });
    }
    async function offer(constraints, waitGathering) {
      const pc = new RTCPeerConnection();
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      stream.getTracks().forEach((t) => pc.addTrack(t, stream));
      const o = await pc.createOffer();
      await pc.setLocalDescription(o);
      if (!waitGathering) { const sdp = pc.localDescription.sdp; pc.close(); return sdp; }
      await gathered(pc);
      const sdp = pc.localDescription.sdp;
      pc.close();
      return sdp;
    }
    const audio = await offer({ audio: true }, true);
    const av = await offer({ audio: true, video: true }, true);
    const trickle = await offer({ audio: true }, false);
    // Audio plus a data channel (the gateway rejects the application m-line).
    const dc = new RTCPeerConnection();
    const ds = await navigator.mediaDevices.getUserMedia({ audio: true });
    ds.getTracks().forEach((t) => dc.addTrack(t, ds));
    dc.createDataChannel('chat');
    await dc.setLocalDescription(await dc.createOffer());
    await gathered(dc);
    const datachannel = dc.localDescription.sdp;
    dc.close();
    // An answer: a second peer connection answers the audio+video offer.
    const a = new RTCPeerConnection();
    const b = new RTCPeerConnection();
    const s = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    s.getTracks().forEach((t) => a.addTrack(t, s));
    const s2 = await navigator.mediaDevices.getUserMedia({ audio: true });
    s2.getTracks().forEach((t) => b.addTrack(t, s2));
    await a.setLocalDescription(await a.createOffer());
    await gathered(a);
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await gathered(b);
    const answerOffer = a.localDescription.sdp;
    const answer = b.localDescription.sdp;
    a.close(); b.close();
    return { audio, av, trickle, datachannel, answerOffer, answer, ua: navigator.userAgent };
  });
  fs.writeFileSync(path.join(out, 'chromium-audio-offer.sdp'), result.audio);
  fs.writeFileSync(path.join(out, 'chromium-av-offer.sdp'), result.av);
  fs.writeFileSync(path.join(out, 'chromium-audio-offer-trickle.sdp'), result.trickle);
  fs.writeFileSync(path.join(out, 'chromium-audio-datachannel-offer.sdp'), result.datachannel);
  fs.writeFileSync(path.join(out, 'chromium-answer-offer.sdp'), result.answerOffer);
  fs.writeFileSync(path.join(out, 'chromium-answer.sdp'), result.answer);
  console.log(result.ua);
  await browser.close();

  // A page without the microphone grant: Chromium hides host addresses behind
  // mDNS .local names. A fresh browser without the fake-ui permission flag,
  // and a receive-only audio transceiver so no getUserMedia is needed.
  const b2 = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: args.filter((a) => a !== '--use-fake-ui-for-media-stream') });
  const p2 = await b2.newPage();
  await p2.route('http://localhost/', (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>sdp</title>' }));
  await p2.goto('http://localhost/');
  const mdns = await p2.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') resolve();
      });
      setTimeout(resolve, 5000);
    });
    return pc.localDescription.sdp;
  });
  fs.writeFileSync(path.join(out, 'chromium-recvonly-mdns-offer.sdp'), mdns);
  await b2.close();
})().catch((e) => { console.error(e); process.exit(1); });
