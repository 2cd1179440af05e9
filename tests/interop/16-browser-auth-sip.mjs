#!/usr/bin/env node
// [browser] auth = sip: a page may call only once the configured registrar
// (browser.registrar names a trunk) accepted its SIP credentials. A UDP
// registrar in this file challenges with MD5 digest and checks the answer
// (RFC 2617 without qop); the same socket stands in for the trunk's INVITEs.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { done, launchChromium, ok, RTC2SIP, sleep, startGateway } from './lib.mjs';

const PASSWORDS = { alice: 'alice-Pa55-word', bob: 'bob-Pa55-word' };
const REALM = 'auth.rtc2sip.test';
const md5 = s => crypto.createHash('md5').update(s).digest('hex');
const sock = dgram.createSocket('udp4');
await new Promise(r => sock.bind(0, '127.0.0.2', r));
const port = sock.address().port;
const seen = [];
const header = (msg, name) => msg.split('\r\n').filter(l => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
const reply = (msg, rinfo, status, reason, extra = []) => {
  const lines = [`SIP/2.0 ${status} ${reason}`, ...header(msg, 'Via'), ...header(msg, 'From'),
    ...header(msg, 'To').map(t => (/;tag=/.test(t) ? t : `${t};tag=reg1`)), ...header(msg, 'Call-ID'),
    ...header(msg, 'CSeq'), ...extra, 'Content-Length: 0', '', ''];
  sock.send(lines.join('\r\n'), rinfo.port, rinfo.address);
};
let nonce = 0;
sock.on('message', (buf, rinfo) => {
  const msg = buf.toString();
  const first = msg.split('\r\n')[0];
  seen.push(msg);
  if (first.startsWith('REGISTER ')) {
    const auth = header(msg, 'Authorization')[0];
    if (/^expires:\s*0\b/im.test(msg) || /;expires=0\b/.test(msg)) return reply(msg, rinfo, 200, 'OK');
    if (!auth) return reply(msg, rinfo, 401, 'Unauthorized', [`WWW-Authenticate: Digest realm="${REALM}", nonce="n${++nonce}", algorithm=MD5`]);
    const p = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]*)"?/g)].map(m => [m[1], m[2]]));
    const ha1 = md5(`${p.username}:${REALM}:${PASSWORDS[p.username] ?? ''}`);
    const good = PASSWORDS[p.username] && p.response === md5(`${ha1}:${p.nonce}:${md5(`REGISTER:${p.uri}`)}`);
    if (!good) return reply(msg, rinfo, 403, 'Forbidden');
    return reply(msg, rinfo, 200, 'OK', [`${header(msg, 'Contact')[0] ?? 'Contact: <sip:x@127.0.0.1>'};expires=3600`]);
  }
  if (first.startsWith('INVITE ')) {
    reply(msg, rinfo, 100, 'Trying');
    reply(msg, rinfo, 486, 'Busy Here');
  }
});
const registers = () => seen.filter(m => m.startsWith('REGISTER '));
const invites = () => seen.filter(m => m.startsWith('INVITE '));

// Configuration rules first.
const check = sets => spawnSync(RTC2SIP, ['--check-config', ...sets.flatMap(s => ['--set', s])], { encoding: 'utf8' });
const noRegistrar = check(['browser.auth=sip']);
ok(noRegistrar.status !== 0 && /browser\.registrar: auth = sip needs/.test(noRegistrar.stderr + noRegistrar.stdout),
  `auth = sip without a registrar trunk is refused by --check-config (${(noRegistrar.stderr || noRegistrar.stdout).trim().split('\n')[0]})`);
const exposed = check(['browser.auth=sip', 'browser.registrar=office', 'trunk:office.address=192.0.2.1:5060',
  'http.listen=0.0.0.0:8080', 'http.allow-insecure=true']);
ok(exposed.status === 0, `auth = sip is accepted on an exposed listener (${(exposed.stderr || '').trim().split('\n')[0]})`);

const gw = await startGateway(['browser.auth=sip', 'browser.registrar=office', `trunk:office.address=127.0.0.2:${port}`,
  `trunk:office.domain=${REALM}`, 'route.rules=+49=office']);
const browser = await launchChromium({});
try {
  const page = await browser.newPage();
  await page.goto(gw.url);
  const r = await page.evaluate(async passwords => {
    const ws = new WebSocket(`ws://${location.host}/ws`);
    const got = [];
    ws.onmessage = ev => got.push(JSON.parse(ev.data));
    await new Promise(res => { ws.onopen = res; });
    const send = m => ws.send(JSON.stringify(m));
    const wait = async (pred, ms = 6000) => {
      const end = Date.now() + ms;
      while (Date.now() < end) { const m = got.find(pred); if (m) return m; await new Promise(res => setTimeout(res, 30)); }
      return null;
    };
    const pc = new RTCPeerConnection();
    pc.addTransceiver('audio');
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = pc.localDescription.sdp;
    pc.close();
    const out = {};
    send({ type: 'hello', id: 'h' });
    out.welcome = await wait(m => m.id === 'h');
    send({ type: 'call', id: 'c1', call: 'c1', to: '+4930123', sdp });
    out.early = await wait(m => m.id === 'c1');
    send({ type: 'register', id: 'r0', user: 'alice' });
    out.nopw = await wait(m => m.id === 'r0');
    send({ type: 'register', id: 'r1', user: 'bob', password: 'not-bobs-password', uri: 'sip:bob@evil.example' });
    out.wrong = await wait(m => m.id === 'r1');
    send({ type: 'call', id: 'c2', call: 'c2', to: '+4930123', sdp });
    out.afterWrong = await wait(m => m.id === 'c2');
    send({ type: 'register', id: 'r2', user: 'alice', password: passwords.alice, uri: 'sip:alice@evil.example',
      proxy: '203.0.113.1:5060' });
    out.good = await wait(m => m.id === 'r2');
    send({ type: 'register', id: 'r3', user: 'bob', password: passwords.bob });
    out.other = await wait(m => m.id === 'r3');
    send({ type: 'call', id: 'c3', call: 'c3', to: '+4930123', sdp });
    out.call = await wait(m => m.call === 'c3' && ['hangup', 'error'].includes(m.type), 8000);
    ws.close();
    return out;
  }, PASSWORDS);
  ok(r.welcome?.type === 'welcome', 'hello needs no token with auth = sip: welcome');
  ok(r.early?.type === 'error' && r.early?.code === 'unauthorized' && /register first/.test(r.early?.message),
    `a call before registering: unauthorized (${r.early?.message})`);
  ok(r.nopw?.code === 'unauthorized' && /SIP password/.test(r.nopw?.message), `register without a password: unauthorized (${r.nopw?.message})`);
  ok(r.wrong?.code === 'unauthorized' && /403/.test(r.wrong?.message), `a wrong password: the registrar's 403 reaches the page as unauthorized (${r.wrong?.message})`);
  ok(r.afterWrong?.code === 'unauthorized', 'after a refused registration calls are still refused');
  ok(r.good?.type === 'registered' && r.good?.user === 'alice', `the right password: registered (${JSON.stringify(r.good)})`);
  const regs = registers();
  ok(regs.length >= 4 && regs.every(m => m.startsWith(`REGISTER sip:${REALM} `)) &&
    regs.some(m => /^To: <sip:alice@auth\.rtc2sip\.test>/m.test(m)) && !regs.some(m => m.includes('evil.example')),
  `the REGISTERs went to the configured registrar for sip:USER@${REALM}, the page's uri and proxy ignored (${regs.length})`);
  ok(/page \S+ authenticated as alice by SIP registration/.test(gw.log()), 'the gateway logs alice as authenticated');
  ok(r.other?.code === 'unauthorized' && /authenticated as user alice/.test(r.other?.message),
    `alice's page cannot register bob afterwards (${r.other?.message})`);
  ok(r.call?.type === 'hangup' && r.call?.sip_status === 486, `alice may call: the INVITE reaches the trunk and its 486 comes back (${JSON.stringify(r.call)})`);
  const inv = invites();
  ok(inv.length === 1 && /^From: .*<sip:alice@/m.test(inv[0]), `exactly one INVITE left, From alice (${inv.length}; ${header(inv[0] ?? '', 'From')[0]})`);
  ok(!Object.values(PASSWORDS).some(p => gw.log().includes(p)) && !gw.log().includes('not-bobs-password'),
    'no password reaches the log');
  await page.close();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const res = await gw.stop();
  sock.close();
  ok(res.code === 0, `the gateway stops with status 0 (${res.code ?? res.signal})`);
  process.exitCode = done() ? 1 : 0;
}
