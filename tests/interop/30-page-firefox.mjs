#!/usr/bin/env node
// The page in Firefox (Debian's, driven over WebDriver BiDi: Playwright
// needs its own patched Firefox): it loads without errors, the echo test
// connects through the UI, the security panel and the timeline fill in, the
// meters move, and Hang up ends the call.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { done, ok, skip, sleep, startGateway, workDir } from './lib.mjs';

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
async function until(expression, pred, ms = 10000) {
  const end = Date.now() + ms;
  let v;
  while (Date.now() < end) {
    v = await evaluate(expression);
    if (pred(v)) return v;
    await sleep(200);
  }
  return v;
}
const text = id => `document.getElementById(${JSON.stringify(id)}).textContent`;

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
    ok(await until(text('status'), t => t === 'Not connected.', 5000) === 'Not connected.', 'Firefox loads the page and its modules');

    await evaluate(`document.getElementById('echo').click()`, true);
    const st = await until(text('status'), t => /Connected: you should hear yourself\.|Error|Call ended/.test(t), 15000);
    ok(st === 'Connected: you should hear yourself.', `Firefox: the echo test connects ("${st}")`, gw.log().slice(-2000));
    const sec = await until(text('sec-sip'), t => t === 'Echo: no SIP leg', 5000);
    ok(sec === 'Echo: no SIP leg', 'Firefox: the security panel fills in');
    ok(await evaluate(text('sec-browser')) === 'DTLS-SRTP, certificate verified', 'Firefox: "DTLS-SRTP, certificate verified"');
    ok(/\(matches your browser\)$/.test(await evaluate(text('fp-browser-grouped'))), 'Firefox: its fingerprint matches');
    const steps = await until(`[...document.querySelectorAll('#timeline .ms')].map(e => e.textContent).join('|')`,
      v => v.split('|').filter(x => /ms$/.test(x)).length >= 5, 5000);
    ok(steps.split('|').filter(x => /^\d+ ms$/.test(x)).length >= 5, `Firefox: the timeline fills in (${steps})`);
    const mic = await until(`document.getElementById('mic-level').value`, v => v > 0.2, 5000);
    const far = await until(`document.getElementById('far-level').value`, v => v > 0.2, 5000);
    const audioState = await evaluate('window.rtc2sip.audioState');
    // Without an audio output device (this headless machine) Firefox keeps
    // the AudioContext suspended, and its stats have no microphone level.
    if (audioState !== 'running' && !(mic > 0.2)) skip(`Firefox: the microphone meter (the AudioContext is ${audioState} here)`);
    else ok(mic > 0.2, `Firefox: the microphone meter moves (${mic})`);
    ok(far > 0.2, `Firefox: the far-end meter moves (${far}, AudioContext ${audioState})`);
    await evaluate(`document.getElementById('hangup').click()`, true);
    const end = await until(text('status'), t => t.startsWith('Call ended'), 5000);
    ok(end === 'Call ended: you hung up', `Firefox: Hang up ("${end}")`);
    ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'the gateway released the call');
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
