#!/usr/bin/env node
// The bridge with sipp as the phone: page → SIP calls (answered with audio
// both ways, busy, cancelled, hung up by either side) and SIP → page calls
// (a registered user answers, rejects, does not answer, the caller
// cancels, an unknown user), over plain RTP.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { done, freePort, launchChromium, ok, sleep, startGateway, toneWav, workDir } from './lib.mjs';
import { pageClient } from './pageclient.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const work = workDir();
const wav = toneWav(path.join(work, 'tone.wav'), 440);
const gw = await startGateway(['call.ring-timeout=3'], { work });
const browser = await launchChromium({ wav });

// Runs sipp with SCENARIO (a file in sip/ or "-sn NAME"); resolves to {code, out}.
function sipp(scenario, { uac = false, service = 'service', subs = {}, port } = {}) {
  const args = ['-i', '127.0.0.1', '-m', '1', '-nostdin', '-timeout', '30s', '-timeout_error', '-rtp_echo',
    '-trace_err', '-error_file', path.join(work, `sipp-${scenario.replace(/\W/g, '_')}-${Date.now()}.err`),
    '-mp', String(20000 + Math.floor(Math.random() * 9000) * 2)];
  if (scenario.startsWith('-sn ')) {
    args.push('-sn', scenario.slice(4));
  } else {
    let text = fs.readFileSync(path.join(HERE, 'sip', scenario), 'utf8');
    for (const [k, v] of Object.entries(subs)) text = text.split(k).join(v);
    const file = path.join(work, `${Date.now()}-${scenario}`);
    fs.writeFileSync(file, text);
    args.push('-sf', file);
  }
  if (port) args.push('-p', String(port));
  if (uac) args.push('-s', service, `127.0.0.1:${gw.sipPort}`);
  const proc = spawn('sipp', args, { cwd: work });
  let out = '';
  proc.stdout.on('data', d => { out += d; });
  proc.stderr.on('data', d => { out += d; });
  return { proc, result: new Promise(r => proc.on('exit', code => {
    const errs = fs.readdirSync(work).filter(f => f.startsWith(`sipp-${scenario.replace(/\W/g, '_')}`))
      .map(f => fs.readFileSync(path.join(work, f), 'utf8')).join('').slice(-1500);
    r({ code, out: out.slice(-1500) + errs });
  })) };
}

async function newPage() {
  const page = await browser.newPage();
  await page.goto(gw.url);
  await page.evaluate(pageClient);
  await page.evaluate(() => window.T.open());
  return page;
}

const ev = (page, pred, ms) => page.evaluate(([p, ms]) => window.T.wait(new Function('m', `return ${p}`), ms), [pred, ms]);

try {
  const page = await newPage();

  // 1. Page → phone, answered; audio both ways (the phone echoes); the phone hangs up.
  {
    const port = await freePort();
    const s = sipp('uas-answer-bye.xml', { port });
    await sleep(300);
    await page.evaluate(to => window.T.call('o1', to), `sip:service@127.0.0.1:${port}`);
    const progress = await ev(page, "m.type === 'progress' && m.call === 'o1'");
    ok(progress?.status === 180, `page → SIP: progress 180 relayed (${progress?.reason})`);
    ok(await ev(page, "m.type === 'answer' && m.call === 'o1'"), 'page → SIP: the page gets the answer on 200');
    ok(await ev(page, "m.type === 'connected' && m.call === 'o1'"), 'page → SIP: connected');
    const sec = await ev(page, "m.type === 'security' && m.call === 'o1'");
    ok(sec?.sip_leg?.keying === 'none' && sec?.browser_leg?.keying === 'dtls-srtp' && sec?.end_to_end === false,
      `page → SIP: security shows dtls-srtp to the page and plain RTP to the phone (${JSON.stringify(sec?.sip_leg)})`);
    await sleep(2500);
    const st = await page.evaluate(() => window.T.stats('o1'));
    ok(st.packets > 50 && st.energy > 0, `page → SIP → page: the tone comes back through the phone (${st.packets} packets, energy ${st.energy?.toFixed(3)})`);
    const hang = await ev(page, "m.type === 'hangup' && m.call === 'o1'", 10000);
    ok(hang && /phone hung up/.test(hang.reason), `a BYE from the phone hangs up the page ("${hang?.reason}")`);
    const r = await s.result;
    ok(r.code === 0, 'sipp: INVITE, 180, 200, ACK, BYE, 200 as expected', r.out);
  }

  // 2. Busy.
  {
    const port = await freePort();
    const s = sipp('uas-busy.xml', { port });
    await sleep(300);
    await page.evaluate(to => window.T.call('o2', to), `sip:service@127.0.0.1:${port}`);
    const hang = await ev(page, "m.type === 'hangup' && m.call === 'o2'");
    ok(hang?.sip_status === 486 && /486/.test(hang?.reason), `486 from the phone: hangup with sip_status 486 ("${hang?.reason}")`);
    ok((await s.result).code === 0, 'sipp: 486 ACKed');
  }

  // 3. The page hangs up while it rings: CANCEL.
  {
    const port = await freePort();
    const s = sipp('uas-ring-cancel.xml', { port });
    await sleep(300);
    await page.evaluate(to => window.T.call('o3', to), `sip:service@127.0.0.1:${port}`);
    ok(await ev(page, "m.type === 'progress' && m.call === 'o3'"), 'ringing');
    await page.evaluate(() => window.T.send({ type: 'hangup', call: 'o3' }));
    const r = await s.result;
    ok(r.code === 0, 'a hang-up before the answer sends CANCEL (200, 487, ACK)', r.out);
  }

  // 4. The page hangs up an answered call: BYE.
  {
    const port = await freePort();
    const s = sipp('-sn uas', { port });
    await sleep(300);
    await page.evaluate(to => window.T.call('o4', to), `sip:service@127.0.0.1:${port}`);
    ok(await ev(page, "m.type === 'connected' && m.call === 'o4'"), 'answered by sipp uas');
    await sleep(1000);
    await page.evaluate(() => window.T.send({ type: 'hangup', call: 'o4' }));
    const r = await s.result;
    ok(r.code === 0, 'a hang-up after the answer sends BYE', r.out);
  }

  // 5. Phone → page: a registered user answers; audio both ways; the phone hangs up.
  await page.evaluate(() => window.T.send({ type: 'register', id: 'r1', user: 'alice' }));
  ok(await ev(page, "m.type === 'registered' && m.user === 'alice'"), 'the page registers user alice');
  {
    const s = sipp('uac-call-user.xml', { uac: true, service: 'alice' });
    const inc = await ev(page, "m.type === 'incoming'");
    await page.evaluate(c => { (window.T.seen ??= {})[c] = 1; }, inc?.call);
    ok(inc && /^v=0/.test(inc.sdp) && /a=setup:actpass/.test(inc.sdp), `SIP → page: incoming with the gateway's offer (from ${inc?.from})`);
    await page.evaluate(c => window.T.accept(c), inc.call);
    ok(await ev(page, `m.type === 'connected' && m.call === '${inc.call}'`), 'SIP → page: connected after accept');
    await sleep(3000);
    const st = await page.evaluate(c => window.T.stats(c), inc.call);
    ok(st.packets > 50 && st.energy > 0, `SIP → page: the page's tone comes back from the phone (${st.packets} packets, energy ${st.energy?.toFixed(3)})`);
    const hang = await ev(page, `m.type === 'hangup' && m.call === '${inc.call}'`, 10000);
    ok(hang && /phone hung up/.test(hang.reason), `SIP → page: the phone's BYE hangs up the page ("${hang?.reason}")`);
    const r = await s.result;
    ok(r.code === 0, 'sipp: INVITE, 180, 200, ACK, BYE, 200', r.out);
  }

  // 6. Unknown user: 404.
  {
    const s = sipp('uac-expect.xml', { uac: true, service: 'nobody', subs: { '@STATUS@': '404' } });
    ok((await s.result).code === 0, 'a call to an unknown user gets 404');
  }

  // 7. The page rejects: 486.
  {
    const s = sipp('uac-expect.xml', { uac: true, service: 'alice', subs: { '@STATUS@': '486' } });
    const inc = await ev(page, "m.type === 'incoming' && !window.T.seen?.[m.call]", 10000);
    await page.evaluate(c => { (window.T.seen ??= {})[c] = 1; window.T.send({ type: 'reject', call: c }); }, inc.call);
    ok((await s.result).code === 0, 'the page rejects: the phone gets 486');
  }

  // 8. Nobody answers: 480 after call.ring-timeout (3 s here).
  {
    const t0 = Date.now();
    const s = sipp('uac-expect.xml', { uac: true, service: 'alice', subs: { '@STATUS@': '480' } });
    const inc = await ev(page, "m.type === 'incoming' && !window.T.seen?.[m.call]", 10000);
    await page.evaluate(c => { (window.T.seen ??= {})[c] = 1; }, inc.call);
    const r = await s.result;
    ok(r.code === 0, `no answer: 480 after the ring timeout (${((Date.now() - t0) / 1000).toFixed(1)} s)`, r.out);
    const hang = await ev(page, `m.type === 'hangup' && m.call === '${inc.call}'`);
    ok(/no answer/.test(hang?.reason ?? ''), `… and the page is told ("${hang?.reason}")`);
  }

  // 9. The caller cancels.
  {
    const s = sipp('uac-cancel.xml', { uac: true, service: 'alice' });
    const inc = await ev(page, "m.type === 'incoming' && !window.T.seen?.[m.call]", 10000);
    await page.evaluate(c => { (window.T.seen ??= {})[c] = 1; }, inc.call);
    const r = await s.result;
    ok(r.code === 0, 'the caller cancels: 200 and 487', r.out);
    const hang = await ev(page, `m.type === 'hangup' && m.call === '${inc.call}'`);
    ok(/cancel/.test(hang?.reason ?? ''), `… and the page is told ("${hang?.reason}")`);
  }

  await page.close();
  ok(await gw.waitFor(/0 calls active[^\n]*\n(?![\s\S]*released)/, 5000) || /0 calls active/.test(gw.log().split('\n').filter(l => /released/.test(l)).pop() ?? ''),
    'after every call: 0 calls active');
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  fs.writeFileSync(path.join(process.env.ARTIFACTS || work, 'bridge-sipp-gateway.log'), gw.log());
  process.exitCode = done() ? 1 : 0;
}
