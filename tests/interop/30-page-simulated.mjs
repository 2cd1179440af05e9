#!/usr/bin/env node
// The page against a simulated gateway: Playwright intercepts the page's
// WebSocket (page.routeWebSocket) and plays the gateway's side of the
// protocol, so the page's handling of what the real gateway sends on SIP
// calls (incoming, progress, security with a SIP leg, dtmf, hangup, error,
// registered) is tested before the SIP side exists. The far end's media is a
// second RTCPeerConnection inside the page ("the phone"), fed by an
// oscillator, so answered calls really connect and the far-end meter moves.
import path from 'node:path';
import { done, launchChromium, ok, sleep, startGateway, toneWav, workDir } from './lib.mjs';

const work = workDir();
const artifacts = process.env.ARTIFACTS || work;
const wav = toneWav(path.join(work, 'tone440.wav'), 440);
// The real gateway only serves the page; its WebSocket is never reached.
const gw = await startGateway([], { work });
const browser = await launchChromium({ wav });

const GW_FP = 'sha-256 ' + Array.from({ length: 32 }, (_, i) => ((i * 37 + 11) & 255).toString(16).padStart(2, '0').toUpperCase()).join(':');
const sdpFingerprint = sdp => {
  const m = /a=fingerprint:(\S+) (\S+)/.exec(sdp || '');
  return m ? `${m[1].toLowerCase()} ${m[2].toUpperCase()}` : null;
};

class FakeGateway {
  constructor(page, { token } = {}) {
    this.page = page;
    this.token = token;
    this.sent = [];      // every message the page sent
    this.ws = null;
    this.chain = Promise.resolve();
    this.handlers = {};  // type → async (msg) => boolean (true: handled)
    this.closed = false;
  }

  async install() {
    await this.page.routeWebSocket(/\/ws$/, ws => {
      this.ws = ws;
      ws.onClose(() => { this.closed = true; });
      ws.onMessage(text => {
        const m = JSON.parse(String(text));
        this.sent.push(m);
        this.chain = this.chain.then(() => this.handle(m)).catch(e => console.log(`# fake gateway: ${e.stack}`));
      });
    });
  }

  send(m) { this.ws.send(JSON.stringify(m)); }

  async handle(m) {
    if (this.handlers[m.type] && await this.handlers[m.type](m)) return;
    switch (m.type) {
      case 'hello':
        if (this.token && m.token !== this.token)
          return this.send({ type: 'error', id: m.id, code: 'unauthorized', message: 'hello: the token is not valid' });
        return this.send({ type: 'welcome', id: m.id, version: 1, fingerprint: GW_FP, ice_servers: [] });
      case 'register':
        return this.send({ type: 'registered', id: m.id, user: m.user, ...(m.uri ? { uri: m.uri } : {}) });
      case 'unregister':
        return this.send({ type: 'unregistered', id: m.id, user: m.user });
      case 'candidate': // the page's trickle goes to the phone
        return this.page.evaluate(c => window.phone?.pc.addIceCandidate(c ?? undefined).catch(() => {}), m.candidate);
      case 'ping':
        return this.send({ type: 'pong', id: m.id });
    }
  }

  async waitFor(pred, ms = 5000) {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      const m = this.sent.find(pred);
      if (m) return m;
      await sleep(50);
    }
    return null;
  }
}

// A phone inside the page: an RTCPeerConnection sending a 660 Hz tone.
// Returns helpers that make its offer or its answer (all candidates inside).
async function makePhone(page) {
  await page.evaluate(() => {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    osc.frequency.value = 660;
    const dst = ctx.createMediaStreamDestination();
    osc.connect(dst);
    osc.start();
    const pc = new RTCPeerConnection();
    pc.addTrack(dst.stream.getAudioTracks()[0], dst.stream);
    const gathered = () => new Promise(r => {
      if (pc.iceGatheringState === 'complete') r();
      pc.addEventListener('icegatheringstatechange', () => { if (pc.iceGatheringState === 'complete') r(); });
    });
    window.phone = {
      pc, ctx,
      async offer() { await pc.setLocalDescription(await pc.createOffer()); await gathered(); return pc.localDescription.sdp; },
      async answer(sdp) {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await gathered();
        return pc.localDescription.sdp;
      },
      accept(sdp) { return pc.setRemoteDescription({ type: 'answer', sdp }); },
    };
  });
}

const securityFor = (call, browserFp, sipLeg) => ({
  type: 'security', call,
  browser_leg: { keying: 'dtls-srtp', profile: 'SRTP_AES128_CM_HMAC_SHA1_80', dtls_role: 'client',
    local_fingerprint: GW_FP, remote_fingerprint: browserFp, verified: true },
  sip_leg: sipLeg, end_to_end: false,
});

async function newPage(opts) {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  const errors = [];
  page.on('pageerror', e => errors.push(e.message));
  page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  const fake = new FakeGateway(page, opts);
  await fake.install();
  await page.goto(gw.url);
  return { page, fake, errors };
}

const status = page => page.locator('#status').textContent();
const meter = (page, label) => page.getByLabel(label, { exact: true }).evaluate(m => m.value);
const visible = loc => loc.waitFor({ timeout: 5000 }).then(() => true, () => false);

async function registerAndIncoming() {
  const { page, fake, errors } = await newPage();
  // Register with an upstream account.
  await page.getByLabel('User name at the gateway').fill('alice');
  await page.getByLabel('SIP address', { exact: true }).fill('sip:alice@example.com');
  await page.getByLabel('Authentication user').fill('alice-auth');
  await page.getByLabel('SIP password').fill('s3cret');
  await page.getByLabel('Outbound proxy').fill('sip:proxy.example.com;transport=tls');
  await page.getByRole('button', { name: 'Register', exact: true }).click();
  const reg = await fake.waitFor(m => m.type === 'register');
  ok(reg && reg.user === 'alice' && reg.uri === 'sip:alice@example.com' && reg.auth_user === 'alice-auth'
    && reg.password === 's3cret' && reg.proxy === 'sip:proxy.example.com;transport=tls' && reg.id !== undefined,
    'Register sends register with user, uri, auth_user, password, proxy', JSON.stringify(reg));
  ok(fake.sent[0]?.type === 'hello', 'the page said hello first');
  ok(await visible(page.getByText('Registered as alice, and as sip:alice@example.com')), 'the page says it is registered');

  // An incoming call rings, visibly and audibly.
  await makePhone(page);
  const offer = await page.evaluate(() => window.phone.offer());
  fake.send({ type: 'incoming', call: 'in-1', from: '"Carol" <sip:carol@example.com>', to: 'sip:alice@example.com', sdp: offer });
  const dialog = page.getByRole('alertdialog', { name: 'Incoming call from Carol (sip:carol@example.com)' });
  ok(await visible(dialog), 'an incoming call shows "Incoming call from Carol (sip:carol@example.com)"');
  const ring = await page.evaluate(() => ({ ringing: window.rtc2sip.ringing }));
  ok(ring.ringing, 'the ring tone plays');
  ok(await page.evaluate(() => document.activeElement?.textContent) === 'Answer', 'focus moves to Answer');
  await page.screenshot({ path: path.join(artifacts, 'page-incoming-ringing.png'), fullPage: true });

  // Answer: the page sends accept with its SDP answer (setup:active to the
  // gateway's actpass), trickles, and the phone's tone arrives.
  fake.handlers.accept = async m => { await page.evaluate(sdp => window.phone.accept(sdp), m.sdp); return true; };
  await dialog.getByRole('button', { name: 'Answer' }).click();
  const accept = await fake.waitFor(m => m.type === 'accept');
  ok(accept?.call === 'in-1' && /^v=0\r\n/.test(accept.sdp) && /a=setup:active/.test(accept.sdp) && /m=audio/.test(accept.sdp),
    'Answer sends accept with an SDP answer (a=setup:active)', accept?.sdp?.slice(0, 300));
  ok(/a=sendrecv/.test(accept?.sdp ?? ''), 'the answer sends the microphone (a=sendrecv)');
  ok(await page.evaluate(() => !window.rtc2sip.ringing) && await dialog.isHidden(), 'answering stops the ringing and closes the dialog');
  ok(await fake.waitFor(m => m.type === 'candidate' && m.call === 'in-1' && m.candidate === null), 'the page trickles, ending with null');
  const accIdx = fake.sent.indexOf(accept);
  ok(fake.sent.findIndex(m => m.type === 'candidate' && m.call === 'in-1') > accIdx, 'no candidate before accept');
  const iceUp = await page.waitForFunction(() => ['connected', 'completed'].includes(window.rtc2sip.call?.pc.iceConnectionState),
    null, { timeout: 10000 }).then(() => true, () => false);
  ok(iceUp, 'the answered call connects to the phone (ICE)');
  fake.send({ type: 'connected', call: 'in-1' });
  ok(await visible(page.getByText('Connected to Carol (sip:carol@example.com).')), 'the page says the call is connected');
  const browserFp = sdpFingerprint(accept?.sdp);
  fake.send(securityFor('in-1', browserFp, { keying: 'sdes', suite: 'AES_CM_128_HMAC_SHA1_80', signalling: 'udp', verified: null }));
  ok(await visible(page.getByText('SDES keys sent over UDP signalling, readable by every SIP hop')),
    'security: SDES over UDP in plain words');
  ok(await page.locator('#fp-browser-grouped').textContent().then(t => t.endsWith('(matches your browser)')),
    'security: the browser fingerprint is checked against the answer');
  let far = 0;
  for (let i = 0; i < 50 && far < 0.3; i++) { await sleep(100); far = await meter(page, 'Far-end level'); }
  ok(far > 0.3, `the far-end meter moves with the phone's tone (${far.toFixed(2)})`);
  const steps = await page.locator('#timeline li').evaluateAll(lis => Object.fromEntries(lis.map(li =>
    [li.querySelector('.step').textContent, li.querySelector('.ms').textContent])));
  ok(/^\d+ ms$/.test(steps.Answered) && /^\d+ ms$/.test(steps.ICE) && /^\d+ ms$/.test(steps.DTLS) && /^\d+ ms$/.test(steps.Media),
    'timeline of the incoming call: answered, ICE, DTLS, media', JSON.stringify(steps));

  // DTMF both ways.
  fake.send({ type: 'dtmf', call: 'in-1', digit: '5' });
  ok(await visible(page.locator('#dtmf-received').getByText('5')), 'a digit from the SIP side is shown');
  const pad = page.getByRole('group', { name: 'Dial pad' });
  await pad.getByRole('button', { name: '7', exact: true }).click();
  await pad.getByRole('button', { name: '#', exact: true }).click();
  const d1 = await fake.waitFor(m => m.type === 'dtmf' && m.digits === '7');
  const d2 = await fake.waitFor(m => m.type === 'dtmf' && m.digits === '#');
  ok(d1?.call === 'in-1' && d2?.call === 'in-1' && d1.duration_ms >= 40, 'the dial pad sends dtmf for the call', JSON.stringify([d1, d2]));
  await page.screenshot({ path: path.join(artifacts, 'page-incoming-call.png'), fullPage: true });

  // The SIP side hangs up.
  fake.send({ type: 'hangup', call: 'in-1', reason: 'the SIP side hung up' });
  ok(await visible(page.getByText('Call ended: the SIP side hung up')), '"Call ended: the SIP side hung up"');
  ok(await page.getByRole('button', { name: 'Hang up' }).isDisabled(), 'Hang up is disabled again');
  await page.evaluate(() => window.phone.pc.close());

  // A second call: rejected.
  await makePhone(page);
  fake.send({ type: 'incoming', call: 'in-2', from: 'sip:dave@example.net', to: 'sip:alice@example.com',
    sdp: await page.evaluate(() => window.phone.offer()) });
  const d2log = page.getByRole('alertdialog', { name: 'Incoming call from sip:dave@example.net' });
  ok(await visible(d2log), 'a second incoming call rings');
  await d2log.getByRole('button', { name: 'Reject' }).click();
  const rej = await fake.waitFor(m => m.type === 'reject');
  ok(rej?.call === 'in-2' && rej.status === 486, 'Reject sends reject with 486', JSON.stringify(rej));
  ok(await page.evaluate(() => !window.rtc2sip.ringing) && await d2log.isHidden(), 'rejecting stops the ringing');
  ok(!fake.sent.some(m => m.type === 'accept' && m.call === 'in-2'), 'nothing was accepted');

  // A third: the caller gives up while it rings; Escape would reject.
  fake.send({ type: 'incoming', call: 'in-3', from: 'sip:erin@example.net', to: 'sip:alice@example.com',
    sdp: await page.evaluate(() => window.phone.offer()) });
  ok(await visible(page.getByRole('alertdialog', { name: 'Incoming call from sip:erin@example.net' })), 'a third call rings');
  fake.send({ type: 'hangup', call: 'in-3', reason: 'the caller hung up', sip_status: 487 });
  ok(await visible(page.getByText('Call ended: the caller hung up')), 'the caller giving up stops the ringing: "Call ended: the caller hung up"');
  ok(await page.evaluate(() => !window.rtc2sip.ringing) && await page.getByRole('alertdialog').isHidden(), 'the dialog is gone');

  // Unregister.
  await page.getByRole('button', { name: 'Unregister' }).click();
  const unreg = await fake.waitFor(m => m.type === 'unregister');
  ok(unreg?.user === 'alice', 'Unregister sends unregister');
  ok(await visible(page.getByText('alice is no longer registered.')), 'the page says so');
  ok(errors.length === 0, 'no errors on the page', errors.join('\n'));
  await page.close();
}

async function outgoingCall() {
  const { page, fake, errors } = await newPage();
  await makePhone(page);
  fake.handlers.call = async m => {
    fake.send({ type: 'progress', call: m.call, status: 180, reason: 'Ringing' });
    await sleep(300);
    const sdp = await page.evaluate(o => window.phone.answer(o), m.sdp);
    fake.send({ type: 'answer', id: m.id, call: m.call, sdp });
    fake.send({ type: 'candidate', call: m.call, candidate: null });
    return true;
  };
  await page.getByLabel('Number or SIP address').fill('+44 20 7946 0000');
  await page.getByLabel('Number or SIP address').press('Enter');
  const call = await fake.waitFor(m => m.type === 'call');
  ok(call?.to === '+44 20 7946 0000' && /^v=0\r\n/.test(call.sdp) && /a=setup:actpass/.test(call.sdp) && typeof call.call === 'string',
    'Enter in the number field sends call with to and an SDP offer', JSON.stringify(call)?.slice(0, 300));
  ok(await visible(page.getByText('Ringing +44 20 7946 0000…')), 'progress 180: "Ringing …"');
  const iceUp = await page.waitForFunction(() => ['connected', 'completed'].includes(window.rtc2sip.call?.pc.iceConnectionState),
    null, { timeout: 10000 }).then(() => true, () => false);
  ok(iceUp, 'the call connects to the phone (ICE)');
  fake.send({ type: 'connected', call: call.call });
  ok(await visible(page.getByText('Connected to +44 20 7946 0000.')), 'connected');
  const steps = await page.locator('#timeline li').evaluateAll(lis => Object.fromEntries(lis.map(li =>
    [li.querySelector('.step').textContent, li.querySelector('.ms').textContent])));
  ok(Object.values(steps).every(v => /^\d+ ms$/.test(v)), 'the timeline has all six steps', JSON.stringify(steps));
  ok(parseInt(steps['SIP ringing']) < parseInt(steps.Answered), 'SIP ringing comes before answered');

  // Security events as each keying would show it.
  const fp = sdpFingerprint(call.sdp);
  const phoneFp = 'sha-256 ' + 'A1:B2:C3:D4:'.repeat(8).slice(0, -1);
  const cases = [
    [{ keying: 'sdes', suite: 'AES_256_CM_HMAC_SHA1_80', signalling: 'tls', verified: null },
      'SDES keys sent over TLS signalling, readable by every SIP proxy on the path'],
    [{ keying: 'sdes', suite: 'AES_CM_128_HMAC_SHA1_80', signalling: 'tcp', verified: null },
      'SDES keys sent over TCP signalling, readable by every SIP hop'],
    [{ keying: 'dtls-srtp', profile: 'SRTP_AES128_CM_HMAC_SHA1_80', dtls_role: 'client', local_fingerprint: GW_FP,
      remote_fingerprint: phoneFp, verified: true }, "DTLS-SRTP, phone's certificate verified"],
    [{ keying: 'none', verified: null }, 'unencrypted'],
  ];
  for (const [leg, words] of cases) {
    fake.send(securityFor(call.call, fp, leg));
    const shown = await page.locator('#sec-sip').getByText(words, { exact: true }).waitFor({ timeout: 3000 }).then(() => true, () => false);
    ok(shown, `security: ${leg.keying}${leg.signalling ? ' over ' + leg.signalling : ''} → "${words}"`,
      await page.locator('#sec-sip').textContent());
    if (leg.keying === 'dtls-srtp') {
      await page.screenshot({ path: path.join(artifacts, 'page-sip-call.png'), fullPage: true });
      ok(await page.locator('#fp-phone-grouped').textContent() === 'A1B2 C3D4 '.repeat(8).trim()
        && await page.locator('#fp-phone').textContent() === phoneFp, 'the phone fingerprint, grouped and exact');
    }
  }
  ok(await page.locator('#sec-e2e').textContent() === 'No: the gateway decrypts and re-encrypts', 'end to end: No');
  ok(await page.locator('#sec-browser').textContent() === 'DTLS-SRTP, certificate verified', 'browser leg sentence');

  // Mute changes the track, not the signalling.
  await page.getByRole('button', { name: /^Mute/ }).click();
  ok(await page.evaluate(() => window.rtc2sip.call.pc.getSenders().every(s => !s.track || !s.track.enabled)), 'mute disables the microphone track');
  await page.getByRole('button', { name: /^Mute/ }).click();

  // Busy: the hangup's reason and a sentence for the SIP status.
  fake.send({ type: 'hangup', call: call.call, reason: 'busy (486)', sip_status: 486 });
  ok(await visible(page.getByText('Call ended: busy (486)')), '"Call ended: busy (486)"');
  ok(await visible(page.getByText('The person you called is busy.')), 'and in plain words: "The person you called is busy."');
  await page.evaluate(() => window.phone.pc.close());

  // A call the gateway refuses outright.
  fake.handlers.call = async m => {
    fake.send({ type: 'error', id: m.id, call: m.call, code: 'forbidden', message: 'call: the dial plan does not allow calls to 0900 numbers' });
    return true;
  };
  await page.getByLabel('Number or SIP address').fill('09001234');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  ok(await visible(page.getByText('Call ended: call: the dial plan does not allow calls to 0900 numbers')), 'a refused call: "Call ended: …"');
  ok(await visible(page.getByText('Error: The gateway does not allow this: call: the dial plan')), 'and the error in words');
  ok(await page.getByRole('button', { name: 'Call', exact: true }).isEnabled(), 'Call can be pressed again');

  // The hang up button: hangup sent, nothing more expected.
  fake.handlers.call = async m => { fake.send({ type: 'progress', call: m.call, status: 183, reason: 'Session Progress' }); return true; };
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await fake.waitFor(() => fake.sent.filter(x => x.type === 'call').length === 3);
  const c3 = fake.sent.filter(x => x.type === 'call')[2];
  ok(await visible(page.getByText('Connecting to 09001234: the other side sends early audio…')), 'progress 183 in words');
  await page.getByRole('button', { name: 'Hang up' }).click();
  const hup = await fake.waitFor(m => m.type === 'hangup');
  ok(hup?.call === c3?.call, 'Hang up sends hangup for the call');
  ok(await visible(page.getByText('Call ended: you hung up')), '"Call ended: you hung up"');

  // The gateway goes away mid-call.
  fake.handlers.call = async () => true;
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  await fake.waitFor(m => m.type === 'call' && fake.sent.filter(x => x.type === 'call').length === 4);
  await fake.ws.close({ code: 1001, reason: 'going away' });
  ok(await visible(page.getByText('Call ended: the connection to the gateway closed')), 'a closed WebSocket ends the call with a sentence');
  ok(await visible(page.getByText('Not connected to the gateway.')), 'and the connection status says so');
  ok(errors.length === 0, 'no errors on the page', errors.join('\n'));
  await page.close();
}

async function token() {
  const { page, fake } = await newPage({ token: 'open-sesame' });
  await page.getByRole('button', { name: 'Connect', exact: true }).click();
  ok(await visible(page.getByText('The gateway did not accept the token')), 'a refused hello: a sentence about the token',
    await page.locator('#conn-status').textContent());
  await page.getByLabel('Gateway token').fill('open-sesame');
  await page.getByLabel('Gateway token').press('Enter');
  ok(await visible(page.getByText('Connected to the gateway (protocol version 1).')), 'with the token: connected');
  const hellos = fake.sent.filter(m => m.type === 'hello');
  ok(hellos.length === 2 && hellos[0].token === undefined && hellos[1].token === 'open-sesame', 'hello carries the token when given');
  ok(await page.locator('#fp-gateway').textContent() === GW_FP, 'the welcome fingerprint is shown exactly');
  await page.close();
}

try {
  await registerAndIncoming();
  await outgoingCall();
  await token();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
