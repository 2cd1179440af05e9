#!/usr/bin/env node
// The dial plan and the limits of an exposed gateway (issue "safe to
// expose"): calls outside [route] rules, to deny rules and back to the
// gateway itself are forbidden and no INVITE leaves (a UDP socket standing
// in for the trunk sees nothing); per-trunk max-calls and calls-per-second
// (busy for pages, 503 for SIP); per-address WebSocket connections and
// calls; INVITEs from an untrusted SIP source past their rate get 503.
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import { done, freePort, launchChromium, ok, sleep, startGateway } from './lib.mjs';

const SECRET = 'a-test-secret-of-some-length';
const mint = (user, expiry = Math.floor(Date.now() / 1000) + 600) => {
  const sig = crypto.createHmac('sha256', SECRET).update(`${expiry}:${user}`).digest('base64url');
  return `${expiry}:${user}:${sig}`;
};

// A SIP "trunk" on 127.0.0.2: records what arrives; answers INVITEs 100 and
// then 486 unless told to keep them ringing.
const trunk = dgram.createSocket('udp4');
await new Promise(r => trunk.bind(0, '127.0.0.2', r));
const trunkPort = trunk.address().port;
const received = [];
let holdInvites = false;
const header = (msg, name) => msg.split('\r\n').filter(l => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
const respond = (msg, rinfo, status, reason) => {
  // The same To tag for every response of one INVITE.
  const tag = crypto.createHash('sha1').update(header(msg, 'Call-ID')[0] ?? '').digest('hex').slice(0, 8);
  const lines = [`SIP/2.0 ${status} ${reason}`, ...header(msg, 'Via'), ...header(msg, 'From'),
    ...header(msg, 'To').map(t => (status > 100 && !/;tag=/.test(t) ? `${t};tag=trunk${received.length}` : t)),
    ...header(msg, 'Call-ID'), ...header(msg, 'CSeq'), 'Content-Length: 0', '', ''];
  trunk.send(lines.join('\r\n'), rinfo.port, rinfo.address);
};
trunk.on('message', (buf, rinfo) => {
  const msg = buf.toString();
  const first = msg.split('\r\n')[0];
  if (first.startsWith('INVITE ')) {
    if (!received.some(m => header(m, 'Call-ID')[0] === header(msg, 'Call-ID')[0])) received.push(msg);
    respond(msg, rinfo, 100, 'Trying');
    respond(msg, rinfo, holdInvites ? 180 : 486, holdInvites ? 'Ringing' : 'Busy Here');
  } else if (first.startsWith('CANCEL ')) {
    respond(msg, rinfo, 200, 'OK');
    const invite = received.find(m => header(m, 'Call-ID')[0] === header(msg, 'Call-ID')[0]);
    if (invite) respond(invite, rinfo, 487, 'Request Terminated');
  }
});
const invitesTo = re => received.filter(m => re.test(m.split('\r\n')[0])).length;

const sipPort = await freePort();
const gw = await startGateway([
  `sip.listen=udp:127.0.0.1:${sipPort}`, 'sip.trusted=', 'limits.sip-invites-per-minute-per-address=4',
  'browser.auth=token', `browser.secret=${SECRET}`,
  `trunk:office.address=127.0.0.2:${trunkPort}`, 'trunk:office.max-calls=1',
  `trunk:uk.address=127.0.0.2:${trunkPort}`, 'trunk:uk.calls-per-second=2',
  `trunk:self.address=127.0.0.1:${sipPort}`,
  'route.rules=+49900=deny, +49=office, +44=uk, 5555$=self, @example.com=office',
  'route.allow-direct=true',
  'limits.connections-per-address=4', 'limits.connections-per-user=2', 'limits.calls-per-minute-per-address=40', 'limits.calls-per-minute-per-user=40',
  'limits.concurrent-calls-per-user=10',
]);
const browser = await launchChromium({});
const metrics = async () => fetch(`http://127.0.0.1:${gw.adminPort}/metrics`,
  { headers: { Authorization: `Bearer ${gw.adminToken()}` } }).then(r => r.text()).catch(() => '');
const metric = (text, name) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1]);
try {
  const page = await browser.newPage();
  await page.goto(gw.url);
  await page.evaluate(p => { window.sipPort = p; }, sipPort);
  // A raw protocol client in the page: calls with a real offer from a
  // peer connection (no microphone needed: a recvonly transceiver).
  await page.evaluate(() => {
    window.open_ = async token => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      const got = [];
      let closed = null;
      ws.onmessage = ev => got.push(JSON.parse(ev.data));
      ws.onclose = ev => { closed = ev.code; };
      await new Promise(r => { ws.onopen = r; ws.onclose = ev => { closed = ev.code; r(); }; });
      ws.onclose = ev => { closed = ev.code; };
      const c = { ws, got, closed: () => closed };
      c.send = m => ws.send(JSON.stringify(m));
      c.wait = async (pred, ms = 5000) => {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          const m = got.find(pred);
          if (m) return m;
          await new Promise(r => setTimeout(r, 30));
        }
        return null;
      };
      c.send({ type: 'hello', id: 'h', token });
      await c.wait(m => m.type === 'welcome' || m.type === 'error');
      return c;
    };
    window.offer = async () => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio', { direction: 'sendrecv' });
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise(r => setTimeout(r, 300));
      const sdp = pc.localDescription.sdp;
      pc.close();
      return sdp;
    };
    window.callTo = async (c, call, to) => {
      c.send({ type: 'call', id: call, call, to, sdp: await window.offer() });
      return c.wait(m => m.call === call && ['error', 'hangup', 'progress', 'answer'].includes(m.type), 8000);
    };
  });

  // --- the dial plan ---------------------------------------------------------
  const plan = await page.evaluate(async token => {
    const c = await window.open_(token);
    const out = {};
    for (const [name, to] of [['outside', '+15551234'], ['deny', '+49900123'], ['loop_trunk', '5555'],
      ['injection', 'bob@evil.example'], ['domain_other', 'sip:bob@other.example']])
      out[name] = await window.callTo(c, name, to);
    c.ws.close();
    return out;
  }, mint('alice')).catch(e => ({ error: String(e) }));
  ok(!plan.error, `the dial plan calls ran (${plan.error ?? ''})`);
  await sleep(500);
  ok(plan.outside?.code === 'forbidden' && /outside the dial plan/.test(plan.outside?.message),
    `a number outside the dial plan: forbidden (${plan.outside?.message})`);
  ok(plan.deny?.code === 'forbidden' && /\+49900=deny/.test(plan.deny?.message),
    `a number a deny rule matches: forbidden naming the rule (${plan.deny?.message})`);
  ok(plan.loop_trunk?.code === 'forbidden' && /loop/.test(plan.loop_trunk?.message),
    `a trunk pointing back at the gateway: forbidden as a loop (${plan.loop_trunk?.message})`);
  ok(invitesTo(/./) === 0, `no INVITE reached the trunk (${invitesTo(/./)})`);
  ok(!/INVITE sip:bob@127\.0\.0\.1/.test(gw.log()) && !gw.log().includes('no page has registered that user'),
    'no INVITE reached the gateway\'s own listener either');
  const loops = await page.evaluate(async token => {
    const c = await window.open_(token);
    const a = await window.callTo(c, 'l1', `sip:bob@127.0.0.1:${window.sipPort}`);
    const b = await window.callTo(c, 'l2', `sip:bob@0.0.0.0:${window.sipPort}`);
    c.ws.close();
    return { a, b };
  }, mint('alice'));
  ok(loops.a?.code === 'forbidden' && /loop/.test(loops.a?.message),
    `a direct URI at the gateway's own SIP address: forbidden as a loop (${loops.a?.message})`);
  ok(loops.b?.code === 'forbidden' && /loop/.test(loops.b?.message),
    `a direct URI at 0.0.0.0 on its port: forbidden as a loop (${loops.b?.message})`);
  ok(plan.injection?.code === 'bad_request', `a dialled "bob@evil.example" is refused as bad_request (${plan.injection?.message})`);
  ok(plan.domain_other?.type === 'error' || plan.domain_other?.type === 'hangup',
    `a direct URI to another domain by name is not called (${plan.domain_other?.message})`);
  const m1 = await metrics();
  ok(metric(m1, 'rtc2sip_route_refusals_total') >= 5, `the refusals are counted (${metric(m1, 'rtc2sip_route_refusals_total')})`);
  ok(/page 127\.0\.0\.1: call to \+15551234 refused: .*outside the dial plan/.test(gw.log()), 'the refusal is logged');

  // A number inside the plan reaches the trunk, as sip:NUMBER@domain.
  const inside = await page.evaluate(async token => {
    const c = await window.open_(token);
    const r = await window.callTo(c, 'in1', '+4930123');
    c.ws.close();
    return r;
  }, mint('alice'));
  ok(invitesTo(/^INVITE sip:\+4930123@127\.0\.0\.2 SIP\/2\.0/) === 1,
    `a number inside the plan: one INVITE for sip:+4930123@127.0.0.2 reaches the trunk (${received.map(m => m.split('\r\n')[0]).join('; ')})`);
  ok(inside?.type === 'hangup', `its 486 reaches the page as a hangup (${inside?.type} ${inside?.reason ?? inside?.message ?? ''})`);

  // --- per-trunk limits ------------------------------------------------------
  holdInvites = true;
  const before = received.length;
  const trunkLimits = await page.evaluate(async token => {
    const c = await window.open_(token);
    const first = await window.callTo(c, 't1', '+4930111');
    const second = await window.callTo(c, 't2', '+4930222');
    const uk = [];
    const offers = [await window.offer(), await window.offer(), await window.offer()];
    ['u1', 'u2', 'u3'].forEach((n, i) => c.send({ type: 'call', id: n, call: n, to: '+44207', sdp: offers[i] }));
    for (const n of ['u1', 'u2', 'u3']) uk.push(await c.wait(m => m.call === n && m.type === 'error', n === 'u3' ? 3000 : 500));
    c.send({ type: 'hangup', call: 't1' });
    for (const n of ['u1', 'u2']) c.send({ type: 'hangup', call: n });
    await new Promise(r => setTimeout(r, 500));
    const third = await window.callTo(c, 't3', '+4930333');
    c.send({ type: 'hangup', call: 't3' });
    await new Promise(r => setTimeout(r, 300));
    c.ws.close();
    return { first, second, uk, third };
  }, mint('alice'));
  holdInvites = false;
  ok(trunkLimits.second?.code === 'busy' && /max-calls/.test(trunkLimits.second?.message),
    `office has max-calls = 1: a second call while one rings is busy (${trunkLimits.second?.message})`);
  const ukBusy = trunkLimits.uk.map(m => m?.code ?? '-');
  ok(ukBusy.join() === '-,-,busy' && /calls-per-second/.test(trunkLimits.uk[2]?.message),
    `uk takes 2 calls a second: the third within the second is busy (${ukBusy.join()}; ${trunkLimits.uk[2]?.message})`);
  ok(trunkLimits.third?.code !== 'busy', `after the first call ends, office takes a call again (${trunkLimits.third?.type})`);
  ok(received.length - before === 4, `only the admitted calls sent INVITEs (${received.length - before} of 6)`);

  // --- per-address limits ----------------------------------------------------
  const conns = await page.evaluate(async tokens => {
    const cs = [];
    for (let i = 0; i < 5; i++) cs.push(await window.open_(tokens[i]));
    await new Promise(r => setTimeout(r, 500));
    const fifth = { first: cs[4].got[0], closed: cs[4].closed() };
    cs[0].ws.close();
    await new Promise(r => setTimeout(r, 300));
    const again = await window.open_(tokens[5]);
    const res = { fifth, again: again.got[0]?.type };
    for (const c of [...cs, again]) c.ws.close();
    await new Promise(r => setTimeout(r, 300));
    return res;
  }, ['u1', 'u2', 'u3', 'u4', 'u5', 'u6'].map(u => mint(u)));
  ok(conns.fifth.first?.code === 'busy' && /connections-per-address/.test(conns.fifth.first?.message) &&
    conns.fifth.closed === 1013, `the fifth WebSocket from one address: busy and closed 1013 (${conns.fifth.first?.message}; ${conns.fifth.closed})`);
  ok(conns.again === 'welcome', 'after one closes, a new connection is welcome');
  // connections-per-user = 2: alice's third page is refused, bob's first is not.
  const perUser = await page.evaluate(async ([alice, bob]) => {
    const cs = [await window.open_(alice), await window.open_(alice), await window.open_(alice)];
    await new Promise(r => setTimeout(r, 300));
    const b = await window.open_(bob);
    const res = { third: cs[2].got.find(m => m.type === 'error'), closed: cs[2].closed(), first: cs[0].got[0]?.type,
      bob: b.got[0]?.type };
    for (const c of [...cs, b]) c.ws.close();
    return res;
  }, [mint('alice'), mint('bob')]);
  ok(perUser.first === 'welcome' && perUser.third?.code === 'busy' && /connections-per-user/.test(perUser.third?.message) &&
    perUser.closed === 1013, `alice's third connection over connections-per-user = 2: busy, closed 1013 (${perUser.third?.message})`);
  ok(perUser.bob === 'welcome', 'bob\'s connection from the same address is welcome');

  // --- inbound SIP from an untrusted source ----------------------------------
  const sock = dgram.createSocket('udp4');
  await new Promise(r => sock.bind(0, '127.0.0.3', r));
  // The first final response per Call-ID (unacknowledged ones are resent).
  const finals = new Map();
  const onFinal = (map, b) => {
    const text = b.toString();
    const m = /^SIP\/2\.0 (\d+)/.exec(text);
    const id = header(text, 'Call-ID')[0];
    if (m && m[1] !== '100' && !map.has(id)) map.set(id, { code: Number(m[1]), text });
  };
  sock.on('message', b => onFinal(finals, b));
  for (let i = 0; i < 6; i++) {
    const msg = [`INVITE sip:nobody${i}@127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.3:${sock.address().port};branch=z9hG4bK-scan${i}`, 'Max-Forwards: 70',
      `From: <sip:scanner@127.0.0.3>;tag=s${i}`, `To: <sip:nobody${i}@127.0.0.1>`, `Call-ID: scan${i}@test`,
      'CSeq: 1 INVITE', `Contact: <sip:scanner@127.0.0.3:${sock.address().port}>`, 'Content-Length: 0', '', ''].join('\r\n');
    sock.send(msg, sipPort, '127.0.0.1');
    await sleep(100);
  }
  await sleep(500);
  sock.close();
  const statuses = [...finals.values()];
  const codes = statuses.map(s => s.code);
  ok(codes.join() === '404,404,404,404,503,503',
    `an untrusted source gets 4 INVITEs a minute, then 503 (${codes.join()})`);
  ok(/Retry-After: 5/i.test(statuses[4]?.text ?? ''), 'the 503 carries Retry-After');
  const m2 = await metrics();
  ok(metric(m2, 'rtc2sip_sip_limit_refusals_total') === 2, `the 503s are counted (${metric(m2, 'rtc2sip_sip_limit_refusals_total')})`);
  ok(/INVITE from 127\.0\.0\.3:\d+ refused with 503: more than 4 INVITEs a minute/.test(gw.log()), 'and logged');
  // The trunk's own address is not an untrusted source: its INVITEs still
  // get through (404: nobody registered).
  const tfinals = new Map();
  const onTrunk = b => onFinal(tfinals, b);
  trunk.on('message', onTrunk);
  for (let i = 0; i < 6; i++) {
    trunk.send([`INVITE sip:nobody@127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.2:${trunkPort};branch=z9hG4bK-tr${i}`, 'Max-Forwards: 70',
      `From: <sip:office@127.0.0.2>;tag=t${i}`, 'To: <sip:nobody@127.0.0.1>', `Call-ID: tr${i}@test`,
      'CSeq: 1 INVITE', 'Content-Length: 0', '', ''].join('\r\n'), sipPort, '127.0.0.1');
    await sleep(80);
  }
  await sleep(400);
  trunk.off('message', onTrunk);
  const tstat = [...tfinals.values()].map(f => f.code);
  ok(tstat.length === 6 && tstat.every(c => c === 404), `the trunk's address is not rate-limited (${tstat.join()})`);
  await page.close();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  trunk.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
