#!/usr/bin/env node
// [browser] auth = token: hello must carry EXPIRY:USER:SIG (HMAC-SHA256 of
// "EXPIRY:USER" under browser.secret, unpadded base64url). Missing, expired,
// malformed or wrongly signed tokens get "unauthorized" and the socket
// closes; a good token gets welcome and calls work. [http] allowed-origins
// (default: the gateway's own origin): upgrades from other origins get 403,
// from a real page on another origin too, and are counted.
import crypto from 'node:crypto';
import http from 'node:http';
import { done, launchChromium, ok, startGateway } from './lib.mjs';
import { pageClient } from './pageclient.mjs';

const SECRET = 'a-test-secret-of-some-length';
const mint = (user, expiry, secret = SECRET) => {
  const sig = crypto.createHmac('sha256', secret).update(`${expiry}:${user}`).digest('base64url');
  return `${expiry}:${user}:${sig}`;
};
const now = Math.floor(Date.now() / 1000);
const gw = await startGateway(['browser.auth=token', `browser.secret=${SECRET}`, 'browser.token-leeway=0']);
const browser = await launchChromium({});
try {
  const page = await browser.newPage();
  await page.goto(gw.url);
  const attempt = token => page.evaluate(async token => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const got = [];
    let closed = null;
    ws.onmessage = ev => got.push(JSON.parse(ev.data));
    ws.onclose = ev => { closed = ev.code; };
    await new Promise(r => { ws.onopen = r; });
    ws.send(JSON.stringify({ type: 'hello', id: 1, ...(token ? { token } : {}) }));
    const end = Date.now() + 3000;
    while (Date.now() < end && !(got.length && (got[0].type === 'welcome' || closed !== null)))
      await new Promise(r => setTimeout(r, 50));
    if (got[0]?.type === 'welcome') ws.close();
    return { first: got[0], closed };
  }, token);

  for (const [label, token] of [['no token', null], ['an expired token', mint('alice', now - 60)],
    ['a token signed with another secret', mint('alice', now + 600, 'another-secret-entirely')],
    ['a malformed token', 'alice:123'], ['a token with a changed user', mint('alice', now + 600).replace('alice', 'mallory')]]) {
    const r = await attempt(token);
    ok(r.first?.type === 'error' && r.first?.code === 'unauthorized' && r.closed !== null,
      `${label}: unauthorized and the socket closes (${r.first?.message}; close ${r.closed})`);
  }
  const good = await attempt(mint('alice', now + 600));
  ok(good.first?.type === 'welcome', 'a good token: welcome');
  ok(/page .* authenticated as alice/.test(gw.log()), 'the gateway logs the token user');
  ok(!gw.log().includes(SECRET) && !gw.log().includes(mint('alice', now + 600).split(':')[2]),
    'neither the secret nor a signature reaches the log');

  // Without hello nothing else is taken; with alice's token only alice may register.
  const others = await page.evaluate(async token => {
    const open = async () => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      const got = [];
      ws.onmessage = ev => got.push(JSON.parse(ev.data));
      await new Promise(r => { ws.onopen = r; });
      return { ws, got };
    };
    const wait = async (got, n) => {
      const end = Date.now() + 3000;
      while (Date.now() < end && got.length < n) await new Promise(r => setTimeout(r, 50));
    };
    const a = await open();
    a.ws.send(JSON.stringify({ type: 'call', id: 1, call: 'x', to: 'echo', sdp: 'v=0' }));
    await wait(a.got, 1);
    a.ws.close();
    const b = await open();
    b.ws.send(JSON.stringify({ type: 'hello', id: 1, token }));
    b.ws.send(JSON.stringify({ type: 'register', id: 2, user: 'bob' }));
    b.ws.send(JSON.stringify({ type: 'register', id: 3, user: 'alice' }));
    await wait(b.got, 3);
    b.ws.close();
    return { early: a.got[0], bob: b.got[1], alice: b.got[2] };
  }, mint('alice', now + 600));
  ok(others.early?.type === 'error' && others.early?.code === 'unauthorized',
    `a call before hello is refused (${JSON.stringify(others.early)})`);
  ok(others.bob?.type === 'error' && others.bob?.code === 'unauthorized',
    `alice's token cannot register bob (${JSON.stringify(others.bob)})`);
  ok(others.alice?.type === 'registered', `alice's token registers alice (${JSON.stringify(others.alice)})`);

  // Origins: raw upgrades, then a real page served from another origin.
  const upgrade = origin => new Promise(resolve => {
    const req = http.request({ host: '127.0.0.1', port: gw.port, path: '/ws', headers: {
      Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...(origin ? { Origin: origin } : {}) } });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', res => { res.resume(); resolve(res.statusCode); });
    req.on('error', e => resolve(e.code));
    req.end();
  });
  ok(await upgrade(`http://127.0.0.1:${gw.port}`) === 101, 'an upgrade from the own origin: 101');
  ok(await upgrade(`http://localhost:${gw.port}`) === 101, 'an upgrade from localhost on the own port: 101');
  for (const [label, origin] of [['another site', 'https://evil.example'], ['another port', 'http://127.0.0.1:1'],
    ['the null origin', 'null'], ['no Origin header', null], ['a garbage Origin', 'x'.repeat(2000)]])
    ok(await upgrade(origin) === 403, `an upgrade from ${label}: 403`);
  const other = http.createServer((req, res) => { res.setHeader('Content-Type', 'text/html'); res.end('<p>other</p>'); });
  await new Promise(r => other.listen(0, '127.0.0.1', r));
  const cross = await browser.newPage();
  await cross.goto(`http://127.0.0.1:${other.address().port}/`);
  const crossResult = await cross.evaluate(async url => new Promise(resolve => {
    const ws = new WebSocket(url);
    ws.onopen = () => resolve('open');
    ws.onclose = ev => resolve(`closed ${ev.code}`);
  }), `ws://127.0.0.1:${gw.port}/ws`);
  await cross.close();
  other.close();
  ok(crossResult === 'closed 1006', `a page on another origin cannot open the WebSocket (${crossResult})`);
  ok(/WebSocket from origin http:\/\/127\.0\.0\.1:\d+ refused with 403/.test(gw.log()), 'the refusal is logged with its origin');
  const metrics = await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`,
    { headers: { Authorization: `Bearer ${gw.adminToken()}` } }).then(r => r.text()).catch(() => '');
  const refusals = Number(/rtc2sip_websocket_origin_refusals_total (\d+)/.exec(metrics)?.[1]);
  ok(refusals === 6, `the metrics count the 6 refusals (${refusals})`);

  // [limits]: carol starts 100 calls at once (unusable SDP, so none holds a
  // slot): the first 10 are taken and fail on their SDP, the 11th to the
  // 100th are refused as busy by calls-per-minute-per-user = 10.
  const carol = await page.evaluate(async token => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const got = [];
    ws.onmessage = ev => got.push(JSON.parse(ev.data));
    await new Promise(r => { ws.onopen = r; });
    ws.send(JSON.stringify({ type: 'hello', id: 'h', token }));
    for (let i = 1; i <= 100; i++) {
      ws.send(JSON.stringify({ type: 'call', id: i, call: `r${i}`, to: 'echo', sdp: 'v=0\r\n' }));
      // Under messages-per-second (50, bursts of 100) with the hello.
      if (i % 40 === 0) await new Promise(r => setTimeout(r, 1000));
    }
    const end = Date.now() + 8000;
    while (Date.now() < end && got.filter(m => m.type === 'error').length < 100) await new Promise(r => setTimeout(r, 50));
    ws.close();
    return got.filter(m => m.type === 'error');
  }, mint('carol', now + 600));
  const busy = carol.filter(m => m.code === 'busy').map(m => m.id);
  const expected = Array.from({ length: 90 }, (_, i) => i + 11).join();
  ok(carol.length === 100 && busy.join() === expected,
    `of carol's 100 calls in a minute the 11th to the 100th are refused as busy (${carol.length} errors, busy ${busy[0]}..${busy.at(-1)} (${busy.length}); ${carol.find(m => m.code === 'busy')?.message})`);

  // A call with a good token.
  await page.evaluate(pageClient);
  await page.evaluate(async token => {
    const T = window.T;
    T.ws = new WebSocket(`ws://${location.host}/ws`);
    let queue = Promise.resolve();
    T.ws.onmessage = ev => { const m = JSON.parse(ev.data); queue = queue.then(() => T.onMessage(m)); };
    await new Promise(r => { T.ws.onopen = r; });
    T.send({ type: 'hello', id: 'h', token });
    await T.wait(m => m.type === 'welcome');
    await T.call('e1', 'echo');
  }, mint('alice', now + 600));
  ok(await page.evaluate(() => window.T.wait(m => m.type === 'connected', 10000)),
    'with a good token the echo call connects (carol\'s limit does not touch alice)');
  // concurrent-calls-per-user = 2: a third open call of alice's is busy; once
  // one ends, she may call again.
  const conc = await page.evaluate(async () => {
    const T = window.T;
    await T.call('e2', 'echo');
    const second = await T.wait(m => m.type === 'connected' && m.call === 'e2', 10000);
    await T.call('e3', 'echo');
    const third = await T.wait(m => m.type === 'error' && m.call === 'e3', 5000);
    T.send({ type: 'hangup', call: 'e1' });
    T.calls.e1.pc.close();
    await new Promise(r => setTimeout(r, 300));
    await T.call('e4', 'echo');
    const fourth = await T.wait(m => (m.type === 'connected' || m.type === 'error') && m.call === 'e4', 10000);
    return { second: !!second, third, fourth };
  });
  ok(conc.second, 'alice\'s second call connects');
  ok(conc.third?.code === 'busy' && /calls open/.test(conc.third?.message ?? ''),
    `her third open call is busy (${conc.third?.message})`);
  ok(conc.fourth?.type === 'connected', `after one ends she calls again (${conc.fourth?.type} ${conc.fourth?.message ?? ''})`);
  const limitMetrics = await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`,
    { headers: { Authorization: `Bearer ${gw.adminToken()}` } }).then(r => r.text()).catch(() => '');
  const kind = k => Number(new RegExp(`rtc2sip_limit_refusals_total\\{kind="${k}"\\} (\\d+)`).exec(limitMetrics)?.[1]);
  ok(kind('rate') === 90 && kind('concurrent') === 1, `the metrics count the refusals (rate ${kind('rate')}, concurrent ${kind('concurrent')})`);
  await page.close();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
