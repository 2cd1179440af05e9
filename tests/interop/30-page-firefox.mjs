#!/usr/bin/env node
// The page in Firefox (Debian's, driven over WebDriver BiDi: Playwright
// needs its own patched Firefox): it loads without errors, the echo test
// connects through the UI, the security panel and the timeline fill in, the
// meters move, and Hang up ends the call.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { done, ok, skip, sleep, startGateway, until, workDir } from './lib.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox';
if (!fs.existsSync(FIREFOX)) {
  skip('Firefox is not installed');
  process.exit(done() ? 1 : 0);
}
const WS = globalThis.WebSocket ?? (await import('playwright-core/lib/utilsBundle')).ws;

const work = workDir();
const profile = path.join(work, 'firefox-profile');
fs.mkdirSync(profile);
fs.writeFileSync(path.join(profile, 'user.js'), [
  ['media.navigator.streams.fake', true], ['media.navigator.permission.disabled', true],
  ['media.autoplay.default', 0], ['media.autoplay.blocking_policy', 0],
  // The gateway listens on 127.0.0.1: loopback candidates, and no mDNS names.
  ['media.peerconnection.ice.loopback', true], ['media.peerconnection.ice.obfuscate_host_addresses', false],
  ['browser.shell.checkDefaultBrowser', false], ['app.update.disabledForTesting', true],
  ['datareporting.policy.dataSubmissionEnabled', false], ['toolkit.telemetry.reportingpolicy.firstRun', false],
].map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});\n`).join(''));

const gw = await startGateway([], { work });
const ff = spawn(FIREFOX, ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port=0', 'about:blank'],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, MOZ_CRASHREPORTER_DISABLE: '1' } });
let ffOut = '';
ff.stdout.on('data', d => { ffOut += d; });
ff.stderr.on('data', d => { ffOut += d; });

// A minimal WebDriver BiDi client.
class Bidi {
  constructor(url) {
    this.ws = new WS(url);
    this.next = 1;
    this.waiting = new Map();
    this.events = [];
    this.ws.onmessage = ev => {
      const m = JSON.parse(String(ev.data));
      if (m.id !== undefined && this.waiting.has(m.id)) {
        const { resolve, reject } = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        if (m.type === 'error') reject(new Error(`${m.error}: ${m.message}`)); else resolve(m.result);
      } else if (m.type === 'event') this.events.push(m);
    };
  }
  open() { return new Promise((resolve, reject) => { this.ws.onopen = resolve; this.ws.onerror = reject; }); }
  send(method, params = {}) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }
}

let bidi, context;
async function evaluate(expression, userActivation = false) {
  const r = await bidi.send('script.evaluate', { expression, target: { context }, awaitPromise: true, userActivation });
  if (r.type === 'exception') throw new Error(r.exceptionDetails?.text ?? 'exception');
  return r.result?.value;
}
const untilEval = (expression, pred, ms = 10000) => until(() => evaluate(expression), pred, ms, 200);
const text = id => `document.getElementById(${JSON.stringify(id)}).textContent`;

// The page's WebSocket replaced by a simulated gateway inside the page, and
// a "phone" RTCPeerConnection making the gateway's offer: an incoming call
// answered and one rejected, in Firefox.
function fakeGateway() {
  const gw = { sent: [], sock: null, deliver(m) { gw.sock?.onmessage?.({ data: JSON.stringify(m) }); } };
  window.__fakeGw = gw;
  class FakeWS {
    constructor(url) {
      this.url = url;
      this.readyState = 0;
      gw.sock = this;
      setTimeout(() => { this.readyState = 1; this.onopen?.({}); }, 0);
    }
    send(text) {
      const m = JSON.parse(text);
      gw.sent.push(m);
      const phone = window.phone;
      if (m.type === 'hello')
        setTimeout(() => gw.deliver({ type: 'welcome', id: m.id, version: 1, fingerprint: 'sha-256 AA:BB', ice_servers: [] }));
      else if (m.type === 'accept') phone?.pc.setRemoteDescription({ type: 'answer', sdp: m.sdp });
      else if (m.type === 'candidate') phone?.pc.addIceCandidate(m.candidate ?? undefined).catch(() => {});
    }
    close() { this.readyState = 3; setTimeout(() => this.onclose?.({ code: 1000, reason: '' })); }
  }
  Object.assign(FakeWS, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  window.WebSocket = FakeWS;
}

const RING = `(async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('audio', { direction: 'sendrecv' });
  window.phone = { pc };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise(r => { if (pc.iceGatheringState === 'complete') r();
    pc.onicegatheringstatechange = () => { if (pc.iceGatheringState === 'complete') r(); }; });
  window.__fakeGw.deliver({ type: 'incoming', call: 'in-' + Date.now(), from: '"Carol" <sip:carol@example.com>',
    to: 'sip:alice@example.com', sdp: pc.localDescription.sdp });
})()`;

async function incomingInFirefox() {
  await bidi.send('script.addPreloadScript', { functionDeclaration: fakeGateway.toString() });
  await bidi.send('browsingContext.navigate', { context, url: gw.url, wait: 'complete' });
  await evaluate(`document.getElementById('connect').click()`, true);
  ok(await untilEval(text('conn-status'), t => t.startsWith('Connected'), 5000) === 'Connected to the gateway (protocol version 1).',
    'Firefox: connected to the simulated gateway');
  await evaluate(RING);
  const title = await untilEval(`document.getElementById('incoming').hidden ? '' : document.getElementById('incoming-title').textContent`,
    t => t !== '', 5000);
  ok(title === 'Incoming call from Carol (sip:carol@example.com)', `Firefox: the call rings ("${title}")`);
  ok(await evaluate('window.rtc2sip.ringing') === true, 'Firefox: the ring tone is on');
  await evaluate(`document.getElementById('answer').click()`, true);
  const accept = await untilEval(`JSON.stringify(window.__fakeGw.sent.find(m => m.type === 'accept') ?? null)`, v => v !== 'null', 5000);
  const acc = JSON.parse(accept);
  ok(acc && /a=setup:active/.test(acc.sdp) && /a=sendrecv/.test(acc.sdp), 'Firefox: Answer sends accept with an SDP answer (setup:active, sendrecv)',
    acc?.sdp?.slice(0, 400));
  const ice = await untilEval(`window.rtc2sip.call?.pc.iceConnectionState ?? ''`, v => v === 'connected' || v === 'completed', 10000);
  ok(ice === 'connected' || ice === 'completed', `Firefox: the answered call connects to the phone (${ice})`);
  await evaluate(`window.__fakeGw.deliver({ type: 'security', call: window.rtc2sip.call.name,
    browser_leg: { keying: 'dtls-srtp', profile: 'SRTP_AES128_CM_HMAC_SHA1_80', dtls_role: 'client',
      local_fingerprint: 'sha-256 AA:BB', remote_fingerprint: null, verified: true },
    sip_leg: { keying: 'sdes', suite: 'AES_CM_128_HMAC_SHA1_80', signalling: 'udp', verified: null }, end_to_end: false })`);
  ok(await untilEval(text('sec-sip'), t => t !== '–', 3000) === 'SDES keys sent over UDP signalling, readable by every SIP hop',
    'Firefox: the SDES-over-UDP sentence');
  await evaluate(`window.__fakeGw.deliver({ type: 'hangup', call: window.rtc2sip.call.name, reason: 'busy (486)', sip_status: 486 })`);
  ok(await untilEval(text('status'), t => t.startsWith('Call ended'), 3000) === 'Call ended: busy (486)', 'Firefox: "Call ended: busy (486)"');
  await evaluate('window.phone.pc.close()');
  await evaluate(RING);
  await untilEval(`document.getElementById('incoming').hidden`, v => v === false, 5000);
  await evaluate(`document.getElementById('reject').click()`, true);
  const rej = JSON.parse(await untilEval(`JSON.stringify(window.__fakeGw.sent.find(m => m.type === 'reject') ?? null)`, v => v !== 'null', 5000));
  ok(rej?.status === 486 && await evaluate('window.rtc2sip.ringing') === false, 'Firefox: Reject sends reject 486 and stops the ringing');
}

try {
  let m = null;
  for (let i = 0; i < 300 && !m; i++) { m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(ffOut); if (!m) await sleep(100); }
  if (!m) {
    skip(`Firefox did not offer WebDriver BiDi: ${ffOut.slice(-300)}`);
  } else {
    bidi = new Bidi(`${m[1]}/session`);
    await bidi.open();
    await bidi.send('session.new', { capabilities: {} });
    const tree = await bidi.send('browsingContext.getTree', {});
    context = tree.contexts[0].context;
    await bidi.send('session.subscribe', { events: ['log.entryAdded'] });
    await bidi.send('browsingContext.navigate', { context, url: gw.url, wait: 'complete' });
    ok(await untilEval(text('status'), t => t === 'Not connected.', 5000) === 'Not connected.', 'Firefox loads the page and its modules');

    await evaluate(`document.getElementById('echo').click()`, true);
    const st = await untilEval(text('status'), t => /Connected: you should hear yourself\.|Error|Call ended/.test(t), 15000);
    ok(st === 'Connected: you should hear yourself.', `Firefox: the echo test connects ("${st}")`, gw.log().slice(-2000));
    const sec = await untilEval(text('sec-sip'), t => t === 'Echo: no SIP leg', 5000);
    ok(sec === 'Echo: no SIP leg', 'Firefox: the security panel fills in');
    ok(await evaluate(text('sec-browser')) === 'DTLS-SRTP, certificate verified', 'Firefox: "DTLS-SRTP, certificate verified"');
    ok(/\(matches your browser\)$/.test(await evaluate(text('fp-browser-grouped'))), 'Firefox: its fingerprint matches');
    const steps = await untilEval(`[...document.querySelectorAll('#timeline .ms')].map(e => e.textContent).join('|')`,
      v => v.split('|').filter(x => /ms$/.test(x)).length >= 5, 5000);
    ok(steps.split('|').filter(x => /^\d+ ms$/.test(x)).length >= 5, `Firefox: the timeline fills in (${steps})`);
    const mic = await untilEval(`document.getElementById('mic-level').value`, v => v > 0.2, 5000);
    const far = await untilEval(`document.getElementById('far-level').value`, v => v > 0.2, 5000);
    const audioState = await evaluate('window.rtc2sip.audioState');
    // Without an audio output device (this headless machine) Firefox keeps
    // the AudioContext suspended, and its stats have no microphone level.
    if (audioState !== 'running' && !(mic > 0.2)) skip(`Firefox: the microphone meter (the AudioContext is ${audioState} here)`);
    else ok(mic > 0.2, `Firefox: the microphone meter moves (${mic})`);
    ok(far > 0.2, `Firefox: the far-end meter moves (${far}, AudioContext ${audioState})`);
    await evaluate(`document.getElementById('hangup').click()`, true);
    const end = await untilEval(text('status'), t => t.startsWith('Call ended'), 5000);
    ok(end === 'Call ended: you hung up', `Firefox: Hang up ("${end}")`);
    ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'the gateway released the call');
    await incomingInFirefox();
    const errors = bidi.events.filter(e => e.method === 'log.entryAdded' && e.params.level === 'error')
      .map(e => e.params.text);
    ok(errors.length === 0, 'Firefox: no errors logged by the page', errors.join('\n'));
  }
} catch (e) {
  ok(false, 'the suite ran to its end', `${e.stack}\n${ffOut.slice(-1000)}`);
} finally {
  try { bidi?.ws.close(); } catch { /* closed */ }
  try { process.kill(-ff.pid, 'SIGTERM'); } catch { /* gone */ }
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
