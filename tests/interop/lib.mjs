// Helpers for Node interop suites: TAP output, free ports, the gateway
// process, a tone WAV and headless Chromium (PEERS.md).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TOP = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RTC2SIP = process.env.RTC2SIP || path.join(TOP, 'gateway/rtc2sip');

let n = 0;
let failures = 0;
export function ok(cond, desc, detail) {
  n++;
  if (cond) console.log(`ok ${n} - ${desc}`);
  else {
    failures++;
    console.log(`not ok ${n} - ${desc}`);
    if (detail !== undefined) console.log(`# ${String(detail).split('\n').join('\n# ')}`);
  }
  return cond;
}
export function skip(desc) { n++; console.log(`ok ${n} # SKIP ${desc}`); }
export function done() { console.log(`1..${n}`); return failures; }

export const sleep = ms => new Promise(r => setTimeout(r, ms));

// Polls FN (async, returns a value) every EVERY ms until PRED holds or MS pass;
// returns the last value.
export async function until(fn, pred, ms = 5000, every = 100) {
  const end = Date.now() + ms;
  let v;
  while (Date.now() < end) {
    v = await fn();
    if (pred(v)) return v;
    await sleep(every);
  }
  return v;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

// Every gateway's log goes to $ARTIFACTS/gateway-logs/ when it stops, with
// the secrets its --set options carried in a .secrets file next to it, for
// the secret scan that runs last (99-secret-scan.py).
const SECRET_KEY = /(^|\.)(password|secret|token|turn-password|private-key-pem)=/;
let savedLogs = 0;
export function saveGatewayLog(log, sets) {
  const dir = process.env.ARTIFACTS && path.join(process.env.ARTIFACTS, 'gateway-logs');
  if (!dir) return;
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, `${path.basename(process.argv[1] ?? 'node')}-${process.pid}-${++savedLogs}`);
  fs.writeFileSync(`${base}.log`, log);
  const secrets = sets.filter(s => SECRET_KEY.test(s.split('=')[0] + '=')).map(s => s.slice(s.indexOf('=') + 1));
  fs.writeFileSync(`${base}.secrets`, secrets.filter(v => v.length >= 6).map(v => `${v}\n`).join(''));
}

export function workDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rtc2sip-interop-'));
}

// Starts the gateway with extra --set options; resolves once it serves.
// Returns { proc, url, port, log(), waitFor(re, ms), stop() }; url is https://
// when the options give the page listener a certificate.
export async function startGateway(sets = [], { work = workDir(), verbose = false, binary = RTC2SIP } = {}) {
  const port = await freePort();
  const adminPort = await freePort();
  const sipPort = await freePort();
  const args = ['--set', `http.listen=127.0.0.1:${port}`, '--set', `admin.listen=127.0.0.1:${adminPort}`,
    '--set', `sip.listen=udp:127.0.0.1:${sipPort}, tcp:127.0.0.1:${sipPort}`,
    ...sets.flatMap(s => ['--set', s])];
  if (verbose) args.push('--verbose');
  const env = { ...process.env, XDG_STATE_HOME: path.join(work, 'state') };
  const proc = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', d => { out += d; });
  proc.stderr.on('data', d => { out += d; });
  const exited = new Promise(r => proc.on('exit', (code, signal) => r({ code, signal })));
  const gw = {
    proc, port, url: `http://127.0.0.1:${port}/`, work, sipPort, adminPort,
    adminUrl: `http://127.0.0.1:${adminPort}/`,
    adminToken: () => fs.readFileSync(path.join(work, 'state', 'rtc2sip', 'admin-token'), 'utf8').trim(),
    log: () => out,
    async waitFor(re, ms = 10000) {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        const m = out.match(re);
        if (m) return m;
        await sleep(50);
      }
      return null;
    },
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill("SIGKILL"), 20000);
      const r = await exited;
      clearTimeout(t);
      try {
        const token = fs.readFileSync(path.join(work, 'state', 'rtc2sip', 'admin-token'), 'utf8').trim();
        saveGatewayLog(out, [...sets, `admin.token=${token}`]);
      } catch { saveGatewayLog(out, sets); }
      return r;
    },
  };
  const serving = await gw.waitFor(/serving (https?):\/\//, 60000);
  if (!serving) {
    proc.kill('SIGKILL');
    throw new Error(`the gateway did not start:\n${out}`);
  }
  gw.url = `${serving[1]}://127.0.0.1:${port}/`; // https with [http] certificate
  return gw;
}

// A mono 16-bit WAV of a sine tone, for Chromium's fake microphone.
export function toneWav(file, freq = 440, seconds = 30, rate = 48000) {
  const samples = seconds * rate;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + samples * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    buf.writeInt16LE(Math.round(Math.sin(2 * Math.PI * freq * i / rate) * 12000), 44 + i * 2);
  fs.writeFileSync(file, buf);
  return file;
}

export async function launchChromium({ wav, extraArgs = [] } = {}) {
  const { chromium } = await import('playwright-core');
  const args = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required', ...extraArgs];
  if (wav) args.push(`--use-file-for-fake-audio-capture=${wav}`);
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}
