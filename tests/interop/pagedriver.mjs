#!/usr/bin/env node
// A headless Chromium page driven by JSON lines on stdin, for suites written
// in Python (the baresip harness is Python). Each input line is a command;
// each answer is one JSON line on stdout: {"ok": true, "result": …} or
// {"ok": false, "error": "…"}.
//   {"cmd": "open", "url": "http://127.0.0.1:8080/", "wav": "/tmp/tone.wav"}
//   {"cmd": "eval", "js": "window.T.calls"}            any expression (awaited)
//   {"cmd": "wait", "pred": "m.type === 'connected'", "ms": 10000}
//   {"cmd": "open_ui", "url": …, "wav": …}  the page itself, no injected client
//   {"cmd": "click", "role": "button", "name": "Call"}
//   {"cmd": "fill", "label": "Number or SIP address", "value": "sip:…"}
//   {"cmd": "text", "selector": "#sec-sip"}          textContent of an element
//   {"cmd": "waittext", "text": "Connected", "ms": 10000}  visible text appears
//   {"cmd": "screenshot", "path": "/tmp/x.png"}
//   {"cmd": "quit"}
// The page gets the protocol client of pageclient.mjs as window.T, plus
// window.T.peak(call): the dominant frequency heard from the far end.
import readline from 'node:readline';
import { launchChromium } from './lib.mjs';
import { pageClient } from './pageclient.mjs';

let browser = null, page = null;
const out = o => process.stdout.write(JSON.stringify(o) + '\n');

const peakHelper = () => {
  // Dominant frequency (Hz) of the far-end audio of CALL, by FFT.
  window.T.peak = async call => {
    const c = window.T.calls[call];
    if (!c) return null;
    if (!c.analyser) {
      const ctx = new AudioContext();
      await ctx.resume();
      const stream = new MediaStream(c.pc.getReceivers().map(r => r.track).filter(Boolean));
      const src = ctx.createMediaStreamSource(stream);
      const an = ctx.createAnalyser();
      an.fftSize = 8192;
      src.connect(an);
      c.analyser = an;
      c.ctx = ctx;
      await new Promise(r => setTimeout(r, 500));
    }
    const bins = new Float32Array(c.analyser.frequencyBinCount);
    c.analyser.getFloatFrequencyData(bins);
    let best = 0;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
    return { hz: best * c.ctx.sampleRate / c.analyser.fftSize, db: bins[best] };
  };
};

const rl = readline.createInterface({ input: process.stdin });
for await (const line of rl) {
  let m;
  try { m = JSON.parse(line); } catch { out({ ok: false, error: 'not JSON' }); continue; }
  try {
    if (m.cmd === 'open') {
      browser = await launchChromium({ wav: m.wav });
      page = await browser.newPage();
      await page.goto(m.url);
      await page.evaluate(pageClient);
      await page.evaluate(peakHelper);
      await page.evaluate(() => window.T.open());
      out({ ok: true, result: null });
    } else if (m.cmd === 'open_ui') {
      browser = await launchChromium({ wav: m.wav });
      page = await browser.newPage();
      page.on('pageerror', e => process.stderr.write(`page error: ${e.message}\n`));
      await page.goto(m.url);
      out({ ok: true, result: null });
    } else if (m.cmd === 'click') {
      await page.getByRole(m.role || 'button', { name: m.name, exact: m.exact ?? true }).click({ timeout: m.ms ?? 10000 });
      out({ ok: true, result: null });
    } else if (m.cmd === 'fill') {
      await page.getByLabel(m.label, { exact: true }).fill(m.value, { timeout: m.ms ?? 10000 });
      out({ ok: true, result: null });
    } else if (m.cmd === 'text') {
      out({ ok: true, result: await page.locator(m.selector).first().textContent({ timeout: m.ms ?? 10000 }) });
    } else if (m.cmd === 'waittext') {
      const r = await page.getByText(m.text, { exact: false }).first().waitFor({ timeout: m.ms ?? 10000 })
        .then(() => true, () => false);
      out({ ok: true, result: r });
    } else if (m.cmd === 'screenshot') {
      await page.screenshot({ path: m.path, fullPage: true });
      out({ ok: true, result: null });
    } else if (m.cmd === 'eval') {
      out({ ok: true, result: await page.evaluate(js => (0, eval)(js), `(async () => (${m.js}))()`) });
    } else if (m.cmd === 'wait') {
      const r = await page.evaluate(([p, ms]) => window.T.wait(new Function('m', `return ${p}`), ms),
        [m.pred, m.ms ?? 10000]);
      out({ ok: true, result: r });
    } else if (m.cmd === 'quit') {
      if (browser) await browser.close();
      out({ ok: true, result: null });
      break;
    } else {
      out({ ok: false, error: `unknown command ${m.cmd}` });
    }
  } catch (e) {
    out({ ok: false, error: String(e.stack || e) });
  }
}
process.exit(0);
