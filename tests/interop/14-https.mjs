#!/usr/bin/env node
// HTTPS on the page's listener ([http] certificate and private-key): the page
// over https, its WebSocket over wss on the same port, plain http refused;
// headless Chromium completes an echo call through the page; SIGHUP with a
// new certificate leaves that call up, media flowing, while new TLS
// connections get the new certificate; SIGHUP with a broken file, a key of
// another certificate or another key type keeps the previous one and says
// why; no key content in the log.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { TOP, done, launchChromium, ok, sleep, startGateway, toneWav, until, workDir } from './lib.mjs';

const work = workDir();
const wav = toneWav(path.join(work, 'tone440.wav'), 440);

// A throwaway self-signed certificate for 127.0.0.1 and localhost (ECDSA P-256,
// or RSA with keyArgs = ['rsa:2048']).
function makeCertificate(name, keyArgs = ['ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1']) {
  const cert = path.join(work, `${name}.pem`), key = path.join(work, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', ...keyArgs, '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=rtc2sip-test-${name}`,
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  return { cert, key, fingerprint: opensslFingerprint(['x509', '-in', cert]) };
}
// The sha-256 fingerprint openssl reads from ARGS' certificate, as "AB:CD:…".
function opensslFingerprint(args, input) {
  const r = spawnSync('openssl', [...args, '-noout', '-fingerprint', '-sha256'], { input, encoding: 'utf8' });
  return (r.stdout.match(/Fingerprint=([0-9A-F:]+)/) || [])[1] || null;
}
// The certificate a new TLS connection to PORT gets.
function servedFingerprint(port) {
  const r = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-servername', 'localhost'],
    { input: '', encoding: 'utf8', timeout: 10000 });
  return opensslFingerprint(['x509'], r.stdout);
}
const curl = (...args) => spawnSync('curl', ['-s', '--max-time', '5', ...args], { encoding: 'utf8' });

const a = makeCertificate('a'), b = makeCertificate('b'), rsa = makeCertificate('rsa', ['rsa:2048']);
// The configured paths stay; their content changes before each SIGHUP.
const certFile = path.join(work, 'page.pem'), keyFile = path.join(work, 'page.key');
const install = (cert, key) => { fs.copyFileSync(cert, certFile); fs.copyFileSync(key, keyFile); };
install(a.cert, a.key);

const gw = await startGateway([`http.certificate=${certFile}`, `http.private-key=${keyFile}`], { work });
const browser = await launchChromium({ wav, extraArgs: ['--ignore-certificate-errors'] });

const adminGet = p => fetch(`http://127.0.0.1:${gw.adminPort}${p}`,
  { headers: { Authorization: `Bearer ${gw.adminToken()}` } });
// Audio packets the page received in one second of the call.
const packetsPerSecond = async page => {
  const count = () => page.evaluate(async () => {
    for (const s of (await window.rtc2sip.call.pc.getStats()).values())
      if (s.type === 'inbound-rtp' && s.kind === 'audio') return s.packetsReceived;
    return 0;
  });
  const p0 = await count(); await sleep(1000); return (await count()) - p0;
};
// A fresh page on a new TLS connection: does its WebSocket get welcome?
async function freshWelcome() {
  const context = await browser.newContext(); // no connection reuse from the first page
  const page = await context.newPage();
  await page.goto(gw.url);
  const first = await page.evaluate(async () => {
    const ws = new WebSocket(`wss://${location.host}/ws`);
    const got = [];
    ws.onmessage = ev => got.push(JSON.parse(ev.data));
    await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
    ws.send(JSON.stringify({ type: 'hello', id: 1 }));
    const end = Date.now() + 3000;
    while (Date.now() < end && !got.length) await new Promise(r => setTimeout(r, 50));
    ws.close();
    return got[0]?.type;
  }).catch(e => `failed: ${e.message}`);
  await context.close();
  return first;
}

try {
  ok(gw.url.startsWith('https://127.0.0.1:'), `the gateway serves ${gw.url}`, gw.log());
  ok(new RegExp(`pages may open /ws from: https://127.0.0.1:${gw.port}, https://localhost:${gw.port}`).test(gw.log()),
    'the default allowed origin is the https one', gw.log());

  // Plain clients: https works, http on the same port does not.
  const page1 = curl('-k', '-o', path.join(work, 'index.html'), '-w', '%{http_code} %{http_version}', gw.url);
  ok(page1.stdout === '200 1.1' && fs.readFileSync(path.join(work, 'index.html'), 'utf8') ===
    fs.readFileSync(path.join(TOP, 'web/www/index.html'), 'utf8'), `curl -k GET / over https: ${page1.stdout}`);
  const plain = curl('-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${gw.port}/`);
  ok(plain.status !== 0 && plain.stdout === '000', `plain http to the TLS port gets no page (curl exit ${plain.status}, ${plain.stdout})`);
  const verified = curl('-o', '/dev/null', '-w', '%{http_code}', '--cacert', a.cert, `https://localhost:${gw.port}/`);
  ok(verified.stdout === '200', `curl trusting only certificate a verifies https://localhost (${verified.stdout})`);
  ok(servedFingerprint(gw.port) === a.fingerprint, `a new TLS connection gets certificate a (${a.fingerprint.slice(0, 11)}…)`);

  // The echo call through the page, over wss.
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('pageerror', e => consoleErrors.push(e.message));
  await page.goto(gw.url);
  await page.getByRole('button', { name: 'Echo test' }).click();
  ok(await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 15000 }).then(() => true, () => false),
    'the echo test connects through the https page', gw.log().slice(-2000));
  const wsUrl = await page.evaluate(() => window.rtc2sip.gw.url);
  ok(wsUrl === `wss://127.0.0.1:${gw.port}/ws`, `the page's WebSocket is wss (${wsUrl})`);
  const far = await until(() => page.getByLabel('Far-end level', { exact: true }).evaluate(m => m.value), v => v > 0.3);
  ok(far > 0.3, `the far-end meter moves (${far.toFixed(2)})`);
  const before = await packetsPerSecond(page);
  ok(before > 20, `media flows before the reload (${before} packets/s)`);

  // SIGHUP with certificate b: the call stays, new connections get b.
  install(b.cert, b.key);
  gw.proc.kill('SIGHUP');
  ok(await gw.waitFor(/reload: the page listener's certificate is now sha-256 ([0-9A-F:]+)/, 5000),
    'SIGHUP: the log says the new certificate is in use', gw.log().slice(-1500));
  ok(servedFingerprint(gw.port) === b.fingerprint, `after SIGHUP a new TLS connection gets certificate b (${b.fingerprint.slice(0, 11)}…)`);
  ok(gw.log().includes(`is now sha-256 ${b.fingerprint}`), 'the log names the new certificate\'s fingerprint');
  await sleep(1000);
  const state = await page.evaluate(() => ({ call: window.rtc2sip.call?.state, ws: window.rtc2sip.gw.ws?.readyState }));
  ok(state.call === 'connected' && state.ws === 1, `the call and its WebSocket stay up (${JSON.stringify(state)})`);
  const after = await packetsPerSecond(page);
  ok(after > 20, `media still flows after the reload (${after} packets/s)`);
  ok(await freshWelcome() === 'welcome', 'a new page after the reload gets welcome over wss');

  // SIGHUP with a broken certificate file: b stays.
  fs.writeFileSync(certFile, '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n');
  gw.proc.kill('SIGHUP');
  const broken = await gw.waitFor(/WARNING.*reload: keeping the page listener's certificate sha-256 ([0-9A-F:]+), expires [0-9-]+: (.*)/, 5000);
  ok(broken && broken[1] === b.fingerprint && broken[2].includes(certFile),
    `a broken certificate file keeps b and the log says why: ${broken && broken[2]}`, gw.log().slice(-1500));
  ok(servedFingerprint(gw.port) === b.fingerprint, 'new TLS connections still get certificate b');
  ok(await freshWelcome() === 'welcome', 'and new pages still get welcome over wss');

  // SIGHUP with a key that is not the certificate's: b stays.
  install(a.cert, b.key);
  const warnings = (gw.log().match(/reload: keeping/g) || []).length;
  gw.proc.kill('SIGHUP');
  await gw.waitFor(new RegExp(`(reload: keeping[^]*){${warnings + 1}}`), 5000);
  ok(/reload: keeping .*page.key does not hold the key of .*page.pem/.test(gw.log()),
    'a key of another certificate keeps b and the log says why', gw.log().slice(-1500));
  ok(servedFingerprint(gw.port) === b.fingerprint, 'new TLS connections still get certificate b');

  // SIGHUP with an RSA pair over the ECDSA one: refused (OpenSSL would keep
  // serving the ECDSA certificate to clients that prefer it).
  install(rsa.cert, rsa.key);
  gw.proc.kill('SIGHUP');
  ok(await gw.waitFor(/reload: keeping .*the new certificate's key is RSA .*changing the key type needs a restart/, 5000),
    'an RSA pair over an ECDSA one is refused until a restart', gw.log().slice(-1500));
  ok(servedFingerprint(gw.port) === b.fingerprint, 'new TLS connections still get certificate b');
  ok(await page.evaluate(() => window.rtc2sip.call?.state) === 'connected', 'the call is still up after the failed reloads');

  // The admin sees the reloads.
  const status = await adminGet('/api/v1/status').then(r => r.json());
  ok(status.counters.http_tls_reloads === 1 && status.counters.http_tls_reload_failures === 3,
    `status counts 1 reload and 3 failures (${status.counters.http_tls_reloads}, ${status.counters.http_tls_reload_failures})`);
  ok(status.http_tls?.fingerprint === `sha-256 ${b.fingerprint}` && status.listeners.http === gw.url,
    `status shows certificate b in use and the https listener (${status.listeners.http})`);
  const metrics = await adminGet('/metrics').then(r => r.text());
  ok(/rtc2sip_http_tls_reloads_total\{result="ok"\} 1\n/.test(metrics) &&
    /rtc2sip_http_tls_reloads_total\{result="failed"\} 3\n/.test(metrics), 'metrics count the reloads by result');

  await page.getByRole('button', { name: 'Hang up' }).click();
  ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'the call ends normally when hung up');
  ok(consoleErrors.length === 0, 'no errors on the page', consoleErrors.join('\n'));
  await page.close();

  // The keys' PEM content never reaches the log (their paths may).
  const keyLines = [a.key, b.key, rsa.key].flatMap(f => fs.readFileSync(f, 'utf8').split('\n'))
    .filter(l => l && !l.startsWith('-----'));
  ok(keyLines.length > 0 && keyLines.every(l => !gw.log().includes(l)), 'no line of either private key is in the log');
} catch (e) {
  ok(false, 'the suite ran to its end', `${e.stack}\n${gw.log().slice(-3000)}`);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exitCode = done() ? 1 : 0;
}
