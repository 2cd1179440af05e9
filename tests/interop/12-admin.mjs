#!/usr/bin/env node
// The admin side: token on every path, the calls API during an echo call,
// hang-up by DELETE, the DTLS trace switched at run time, Prometheus
// metrics, and the dashboard in a real browser.
import { done, launchChromium, ok, sleep, startGateway } from './lib.mjs';

const gw = await startGateway([]);
const browser = await launchChromium({});
const token = gw.adminToken();
const auth = { Authorization: `Bearer ${token}` };
const get = (p, h = auth) => fetch(gw.adminUrl.replace(/\/$/, '') + p, { headers: h });

try {
  const paths = ['/', '/metrics', '/api/v1/status', '/api/v1/calls', '/api/v1/calls/1', '/api/v1/registrations',
    '/api/v1/trunks', '/api/v1/trace', '/api/v1/nothing'];
  const noToken = await Promise.all(paths.map(p => get(p, {}).then(r => r.status)));
  ok(noToken.every(s => s === 401), `no token: 401 on every path (${noToken.join(' ')})`);
  const wrong = await Promise.all(paths.map(p => get(p, { Authorization: 'Bearer not-the-token' }).then(r => r.status)));
  ok(wrong.every(s => s === 401), `a wrong token: 401 on every path (${wrong.join(' ')})`);
  const del = await fetch(gw.adminUrl + 'api/v1/calls/1', { method: 'DELETE' });
  ok(del.status === 401, 'DELETE without a token: 401');
  ok(token.length >= 16 && !gw.log().includes(token), 'the generated token is long and never logged');

  const status = await (await get('/api/v1/status')).json();
  ok(status.fingerprint?.startsWith('sha-256 ') && status.counters.calls_active === 0, 'status: fingerprint and zero calls');

  // An echo call from the page.
  const page = await browser.newPage();
  await page.goto(gw.url);
  await page.getByRole('button', { name: 'Echo test' }).click();
  await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 10000 });
  await sleep(1500);
  const list = await (await get('/api/v1/calls')).json();
  const c = list.calls[0];
  const shown = await page.evaluate(() => ({
    browser: document.getElementById('fp-browser').textContent,
    gateway: document.getElementById('fp-gateway').textContent }));
  ok(list.calls.length === 1 && c.state === 'connected', `calls lists the running call (${c?.state})`);
  ok(c && c.browser_leg.remote_fingerprint === shown.browser && c.browser_leg.local_fingerprint === shown.gateway,
    'calls shows the same fingerprints as the page', JSON.stringify(c?.browser_leg));
  ok(c && c.browser_leg.verified === true && c.browser_leg.profile === 'SRTP_AES128_CM_HMAC_SHA1_80' &&
    c.browser_leg.ice_state === 'connected' && /127\.0\.0\.1/.test(c.browser_leg.selected_pair ?? ''),
    'the browser leg: ICE pair, DTLS profile, verified');
  ok(c && c.browser_leg.packets.rtp_in > 0 && c.browser_leg.packets.rtp_out > 0, 'packet counters move');
  const one = await (await get(`/api/v1/calls/${c.id}`)).json();
  ok(one.id === c.id, 'calls/{id} shows the call');

  // Dashboard in the browser, with the token in the URL.
  const dash = await browser.newPage();
  const errors = [];
  dash.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
  dash.on('pageerror', e => errors.push(e.message));
  await dash.goto(`${gw.adminUrl}?access_token=${encodeURIComponent(token)}`);
  const row = await dash.getByRole('cell', { name: c.name, exact: true }).waitFor({ timeout: 5000 }).then(() => true, () => false);
  ok(row, 'the dashboard shows the running call');
  await dash.screenshot({ path: `${process.env.ARTIFACTS || gw.work}/admin-dashboard.png` }).catch(() => {});
  ok(errors.length === 0, 'the dashboard loads without console errors', errors.join('\n'));

  // Hang up from the admin side.
  const r = await fetch(`${gw.adminUrl}api/v1/calls/${c.id}`, { method: 'DELETE', headers: auth });
  ok(r.status === 200, 'DELETE calls/{id}: 200');
  const ended = await page.getByText(/Call ended: hung up by the admin/).waitFor({ timeout: 5000 }).then(() => true, () => false);
  ok(ended, 'the page is told the admin hung up');
  ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'the call is released');
  const after = await (await get('/api/v1/calls')).json();
  const st = await (await get('/api/v1/status')).json();
  ok(after.calls.length === 0 && st.counters.calls_total >= 1 && st.counters.packets_relayed > 0 &&
    st.counters.dtls_handshakes >= 1, `after the call: gone, counters moved (${JSON.stringify(st.counters)})`);
  ok((await get('/api/v1/calls/' + c.id)).status === 404, 'the ended call is 404');

  // DTLS trace at run time.
  const put = v => fetch(`${gw.adminUrl}api/v1/trace`, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ dtls: v }) });
  ok((await put(true)).status === 200 && (await (await get('/api/v1/trace')).json()).dtls === true, 'PUT trace {"dtls": true}');
  let mark = gw.log().length;
  await page.getByRole('button', { name: 'Echo test' }).click();
  await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 10000 });
  ok(/DTLS\.SRTP\.\d+: Connected/.test(gw.log().slice(mark)), 'a new call is traced');
  await page.getByRole('button', { name: 'Hang up' }).click();
  await gw.waitFor(/released: .*; 0 calls active[^\n]*\n?$/, 5000);
  ok((await put(false)).status === 200, 'PUT trace {"dtls": false}');
  mark = gw.log().length;
  await page.getByRole('button', { name: 'Echo test' }).click();
  await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 10000 });
  ok(!/DTLS\.SRTP/.test(gw.log().slice(mark)), 'with the trace off, no DTLS trace lines');
  const bad = await fetch(`${gw.adminUrl}api/v1/trace`, { method: 'PUT', headers: auth, body: '{"dtls": "yes"}' });
  ok(bad.status === 400, 'a bad trace body: 400');

  // Prometheus text format.
  const m = await get('/metrics');
  const text = await m.text();
  const lines = text.split('\n').filter(Boolean);
  const sample = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*"(,|(?=\})))*\})? -?[0-9.eE+-]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? \+Inf$/;
  const badLines = lines.filter(l => !(l.startsWith('# HELP ') || l.startsWith('# TYPE ') || sample.test(l)));
  ok(m.headers.get('content-type')?.startsWith('text/plain') && badLines.length === 0 && lines.length > 10,
    `/metrics parses as Prometheus text (${lines.length} lines)`, badLines.join('\n'));
  for (const name of ['rtc2sip_calls_active', 'rtc2sip_calls_total', 'rtc2sip_dtls_handshake_seconds_bucket',
    'rtc2sip_fingerprint_mismatches_total', 'rtc2sip_packets_relayed_total', 'rtc2sip_srtp_drops_total', 'rtc2sip_registrations'])
    ok(text.includes(name), `/metrics has ${name}`);
  await page.close();
  await dash.close();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
