#!/usr/bin/env node
// The browser leg end to end: real Chromium calls the gateway's echo through
// the page, over ICE, DTLS-SRTP and SRTP, and hears itself; a tampered
// fingerprint ends the call; bad protocol input gets clear errors.
import { execSync } from 'node:child_process';
import path from 'node:path';
import { done, launchChromium, ok, sleep, startGateway, toneWav, workDir } from './lib.mjs';

const work = workDir();
const wav = toneWav(path.join(work, 'tone440.wav'), 440);
const gw = await startGateway(['trace.dtls=true'], { work });
const browser = await launchChromium({ wav });

function offerFingerprint(sdp) {
  const m = sdp.match(/a=fingerprint:(\S+) (\S+)/);
  return m ? `${m[1].toLowerCase()} ${m[2].toUpperCase()}` : null;
}

async function echoThroughPage() {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  await page.goto(gw.url);
  const t0 = Date.now();
  await page.getByRole('button', { name: 'Echo test' }).click();
  const connected = await page.getByText('Connected: you should hear yourself.')
    .waitFor({ timeout: 10000 }).then(() => true, () => false);
  ok(connected, `the page says the echo call is connected (${Date.now() - t0} ms)`, gw.log().slice(-3000));

  // Audio comes back: packets and energy, within 10 s of the click.
  let stats = null;
  while (Date.now() - t0 < 10000) {
    stats = await page.evaluate(async () => {
      const call = window.rtc2sip.call;
      if (!call) return null;
      const report = await call.pc.getStats();
      for (const s of report.values())
        if (s.type === 'inbound-rtp' && s.kind === 'audio')
          return { packetsReceived: s.packetsReceived, totalAudioEnergy: s.totalAudioEnergy };
      return null;
    });
    if (stats && stats.packetsReceived > 100 && stats.totalAudioEnergy > 0) break;
    await sleep(250);
  }
  ok(stats && stats.packetsReceived > 100, `inbound-rtp packetsReceived > 100 within 10 s (${stats?.packetsReceived})`);
  ok(stats && stats.totalAudioEnergy > 0, `inbound-rtp totalAudioEnergy > 0 (${stats?.totalAudioEnergy})`);

  const state = await page.evaluate(() => ({
    offer: window.rtc2sip.call.offerSdp,
    welcome: window.rtc2sip.gw.welcome,
    security: window.rtc2sip.events.find(e => e.type === 'security'),
    shownBrowserFp: document.getElementById('fp-browser').textContent,
    shownGatewayFp: document.getElementById('fp-gateway').textContent,
  }));
  const sec = state.security;
  const fpOffer = offerFingerprint(state.offer);
  ok(sec && sec.browser_leg.keying === 'dtls-srtp', 'security: the browser leg is dtls-srtp', JSON.stringify(sec));
  ok(sec && sec.browser_leg.profile === 'SRTP_AES128_CM_HMAC_SHA1_80', `security: profile ${sec?.browser_leg.profile}`);
  ok(sec && sec.browser_leg.verified === true, 'security: the browser certificate was verified');
  ok(sec && `${sec.browser_leg.remote_fingerprint}`.toUpperCase() === `${fpOffer}`.toUpperCase(),
    'security: the browser fingerprint is exactly the one in its offer', `${sec?.browser_leg.remote_fingerprint} vs ${fpOffer}`);
  ok(sec && sec.browser_leg.local_fingerprint === state.welcome.fingerprint,
    'security: the gateway fingerprint is the one of welcome', `${sec?.browser_leg.local_fingerprint} vs ${state.welcome.fingerprint}`);
  ok(sec && sec.end_to_end === false && sec.sip_leg === null, 'security: end_to_end false and no SIP leg for the echo');
  ok(state.shownBrowserFp === sec?.browser_leg.remote_fingerprint && state.shownGatewayFp === state.welcome.fingerprint,
    'the page shows both fingerprints');

  const answerCount = (gw.log().match(/dtls-srtp SRTP_AES128_CM_HMAC_SHA1_80/g) || []).length;
  ok(answerCount >= 1, 'the gateway logged the browser leg keying');
  ok(/DTLS\.SRTP\.\d+: Connected/.test(gw.log()), 'the DTLS trace shows Connected');

  await page.screenshot({ path: path.join(process.env.ARTIFACTS || work, 'echo-call.png') }).catch(() => {});
  await page.getByRole('button', { name: 'Hang up' }).click();
  ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'hang-up releases the call: 0 calls active');
  ok(consoleErrors.length === 0, 'no console errors on the page', consoleErrors.join('\n'));
  await page.close();
}

async function tamperedFingerprint() {
  const page = await browser.newPage();
  await page.goto(gw.url);
  // Flip one digest byte of the browser's fingerprint in the offer it sends.
  await page.evaluate(() => {
    window.rtc2sipTransformOffer = sdp => sdp.replace(/(a=fingerprint:\S+ )([0-9A-F]{2})/i,
      (all, pre, hex) => pre + ((parseInt(hex, 16) ^ 0x55).toString(16).padStart(2, '0').toUpperCase()));
  });
  const before = gw.log().length;
  await page.getByRole('button', { name: 'Echo test' }).click();
  const ended = await page.getByText(/Call ended: .*fingerprint mismatch/).waitFor({ timeout: 10000 })
    .then(() => true, () => false);
  const hangup = await page.evaluate(() => window.rtc2sip.events.find(e => e.type === 'hangup'));
  ok(ended && /fingerprint mismatch/.test(hangup?.reason), `a tampered fingerprint ends the call: "${hangup?.reason}"`,
    gw.log().slice(before).slice(-3000));
  ok(/DTLS\.SRTP\.\d+: Disconnect \(fingerprint mismatch\)/.test(gw.log().slice(before)),
    'the DTLS trace shows Disconnect (fingerprint mismatch)');
  ok(/DTLS\.SRTP\.\d+: Close error=/.test(gw.log().slice(before)), 'the DTLS trace shows Close error=…');
  ok(await gw.waitFor(/released: .*; 0 calls active[\s\S]*$/, 5000), 'the failed call is released');
  await page.close();
}

// Raw protocol over the page's own WebSocket.
async function badInput() {
  const page = await browser.newPage();
  await page.goto(gw.url);
  const results = await page.evaluate(async () => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const inbox = [];
    let waiter = null;
    ws.onmessage = ev => { inbox.push(JSON.parse(ev.data)); if (waiter) waiter(); };
    await new Promise(r => { ws.onopen = r; });
    const next = async (pred, ms = 5000) => {
      const end = Date.now() + ms;
      for (;;) {
        const i = inbox.findIndex(pred);
        if (i >= 0) return inbox.splice(i, 1)[0];
        if (Date.now() > end) return null;
        await new Promise(r => { waiter = r; setTimeout(r, 100); });
      }
    };
    const send = o => ws.send(typeof o === 'string' ? o : JSON.stringify(o));
    const out = {};
    send({ type: 'hello', id: 1 });
    out.welcome = await next(m => m.type === 'welcome');
    send('{"type": "call", nope');
    out.malformed = await next(m => m.type === 'error');
    send({ type: 'teleport', id: 7 });
    out.unknown = await next(m => m.type === 'error');
    send({ type: 'candidate', call: 'ghost', candidate: null });
    out.ghost = await next(m => m.type === 'error');
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio');
    const offer = await pc.createOffer();
    const noFp = offer.sdp.split('\r\n').filter(l => !l.startsWith('a=fingerprint')).join('\r\n');
    send({ type: 'call', id: 8, call: 'nofp', to: 'echo', sdp: noFp });
    out.nofp = await next(m => m.type === 'error' && m.call === 'nofp');
    send({ type: 'call', id: 9, call: 'twice', to: 'echo', sdp: offer.sdp });
    out.first = await next(m => m.call === 'twice' && (m.type === 'answer' || m.type === 'error'));
    send({ type: 'call', id: 10, call: 'twice', to: 'echo', sdp: offer.sdp });
    out.second = await next(m => m.type === 'error' && m.id === 10);
    send({ type: 'call', id: 11, call: 'sip', to: 'sip:bob@example.com', sdp: offer.sdp });
    out.sip = await next(m => m.type === 'error' && m.id === 11);
    send({ type: 'ping', id: 12 });
    out.pong = await next(m => m.type === 'pong');
    // Larger than the gateway's 1 KiB WebSocket receive buffer: arrives in
    // many pieces, which the gateway joins; past browser.max-message-bytes
    // (64 KiB) it is refused, and the next message is read as usual.
    send({ type: 'ping', id: 13, pad: 'x'.repeat(40000) });
    out.bigPong = await next(m => m.type === 'pong' && m.id === 13);
    send({ type: 'ping', id: 14, pad: 'x'.repeat(70000) });
    out.tooBig = await next(m => m.type === 'error');
    send({ type: 'ping', id: 15 });
    out.afterTooBig = await next(m => m.type === 'pong' && m.id === 15);
    ws.close(); // mid-call: the gateway must hang "twice" up
    pc.close();
    return out;
  });
  ok(results.welcome?.version === 1 && /^sha-256 /.test(results.welcome?.fingerprint), 'hello gets welcome with the fingerprint');
  ok(results.malformed?.code === 'bad_request', `malformed JSON: bad_request (${results.malformed?.message})`);
  ok(results.unknown?.code === 'bad_request' && results.unknown?.id === 7, `unknown type: bad_request with the id (${results.unknown?.message})`);
  ok(results.ghost?.code === 'not_found', `candidate for an unknown call: not_found (${results.ghost?.message})`);
  ok(results.nofp?.code === 'bad_request' && /fingerprint/.test(results.nofp?.message), `SDP without fingerprint: ${results.nofp?.message}`);
  ok(results.first?.type === 'answer', 'a good call is answered');
  ok(results.second?.code === 'bad_request', `the same call id twice: ${results.second?.message}`);
  ok(results.sip?.code === 'bad_request' && /trunk/.test(results.sip?.message),
    `a SIP URI with a host name and no trunk: ${results.sip?.message}`);
  ok(results.pong?.id === 12, 'ping gets pong');
  ok(results.bigPong?.id === 13, 'a 40 KB message (many receive buffers long) gets its pong');
  ok(/too large/.test(results.tooBig?.message ?? ''), `a 70 KB message: ${results.tooBig?.message}`);
  ok(results.afterTooBig?.id === 15, '… and the next message is read as usual');
  ok(await gw.waitFor(/call twice ended: the page closed its WebSocket/, 5000), 'closing the WebSocket mid-call hangs the call up');
  ok(await gw.waitFor(/call twice .*released: .*; 0 calls active/, 5000), '… and releases it');
  await page.close();
}

// Every process of the browser, for SIGSTOP/SIGCONT.
function browserProcesses() {
  // Chromium is a child of this process, as the gateway is; take every
  // descendant but the gateway.
  const table = execSync('ps -e -o pid=,ppid=').toString().trim().split('\n')
    .map(l => l.trim().split(/\s+/).map(Number));
  const all = [process.pid];
  for (let i = 0; i < all.length; i++)
    for (const [pid, ppid] of table) if (ppid === all[i] && pid !== gw.proc.pid) all.push(pid);
  return all.slice(1);
}

// A browser that vanishes without hanging up or closing anything (all its
// processes stopped: no DTLS alert, no WebSocket close): RFC 7675 consent
// freshness ends the call within 30 s.
async function vanishingBrowser() {
  const page = await browser.newPage();
  await page.goto(gw.url);
  await page.getByRole('button', { name: 'Echo test' }).click();
  await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 10000 });
  const procs = browserProcesses();
  const mark = gw.log().length;
  const t0 = Date.now();
  for (const pid of procs) try { process.kill(pid, 'SIGSTOP'); } catch {}
  const m = await gw.waitFor(new RegExp(`[\\s\\S]{${mark}}[\\s\\S]*call (\\S+) ended: (ICE[^\\n]*)`), 40000);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  for (const pid of procs) try { process.kill(pid, 'SIGCONT'); } catch {}
  ok(m && Date.now() - t0 < 32000, `a vanished browser's call ends within 30 s (${secs} s): "${m?.[2]}"`,
    gw.log().slice(mark).slice(-2000));
  const told = await page.waitForFunction(() => window.rtc2sip.events.some(e => e.type === 'hangup'),
    null, { timeout: 10000 }).then(() => true, () => false);
  ok(told, 'the page, once back, has been told the call ended');
  await page.close();
}

try {
  await echoThroughPage();
  await vanishingBrowser();
  await tamperedFingerprint();
  await badInput();
  // Still serving after all that.
  await echoThroughPage();
} catch (e) {
  ok(false, `the suite ran to its end`, e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
