#!/usr/bin/env node
// The page against the real gateway, driven by its visible labels: the echo
// test shows the set-up timeline and the security panel in plain words, the
// microphone and far-end meters move, mute silences the far end, and the
// dial pad works by keyboard.
import path from 'node:path';
import { done, launchChromium, ok, sleep, startGateway, toneWav, until, workDir } from './lib.mjs';

const work = workDir();
const artifacts = process.env.ARTIFACTS || work;
const wav = toneWav(path.join(work, 'tone440.wav'), 440);
const gw = await startGateway([], { work });
const browser = await launchChromium({ wav });

const meter = (page, label) => page.getByLabel(label, { exact: true }).evaluate(m => m.value);


async function echoThroughUi() {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  const consoleErrors = [];
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', e => consoleErrors.push(e.message));
  await page.goto(gw.url);

  ok(await page.getByRole('button', { name: 'Hang up' }).isDisabled(), 'Hang up is disabled before a call');
  await page.getByRole('button', { name: 'Echo test' }).click();
  ok(await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 10000 }).then(() => true, () => false),
    'the echo test connects', gw.log().slice(-2000));
  ok(await page.getByRole('button', { name: 'Hang up' }).isEnabled(), 'Hang up is enabled during the call');

  // The timeline: every step the echo has, in ms since the click.
  const timeline = page.getByRole('list').filter({ hasText: 'WebSocket' });
  await page.waitForFunction(() => [...document.querySelectorAll('#timeline .ms')]
    .filter(e => /ms$/.test(e.textContent)).length >= 5, null, { timeout: 5000 }).catch(() => {});
  const steps = Object.fromEntries(await timeline.getByRole('listitem').evaluateAll(lis =>
    lis.map(li => [li.querySelector('.step').textContent, li.querySelector('.ms').textContent])));
  for (const s of ['WebSocket', 'ICE', 'DTLS', 'Answered', 'Media'])
    ok(/^\d+ ms$/.test(steps[s]), `timeline: ${s} ${steps[s]}`, JSON.stringify(steps));
  ok(steps['SIP ringing'] === '–', 'timeline: no SIP ringing for the echo');
  ok(parseInt(steps.WebSocket) <= parseInt(steps.ICE) && parseInt(steps.ICE) <= parseInt(steps.DTLS)
    && parseInt(steps.DTLS) <= parseInt(steps.Media) + 1000, 'timeline: WebSocket ≤ ICE ≤ DTLS, in order', JSON.stringify(steps));

  // The security panel, in plain words.
  await page.getByText('Echo: no SIP leg').waitFor({ timeout: 5000 }).catch(() => {});
  const sec = await page.evaluate(() => ({
    browser: document.getElementById('sec-browser').textContent,
    sip: document.getElementById('sec-sip').textContent,
    e2e: document.getElementById('sec-e2e').textContent,
    gwGrouped: document.getElementById('fp-gateway-grouped').textContent,
    brGrouped: document.getElementById('fp-browser-grouped').textContent,
    gwExact: document.getElementById('fp-gateway').textContent,
    brExact: document.getElementById('fp-browser').textContent,
    welcome: window.rtc2sip.gw.welcome.fingerprint,
    security: window.rtc2sip.events.find(e => e.type === 'security'),
  }));
  ok(sec.browser === 'DTLS-SRTP, certificate verified', `security: browser leg "${sec.browser}"`);
  ok(sec.sip === 'Echo: no SIP leg', `security: SIP leg "${sec.sip}"`);
  ok(sec.e2e === 'No: the gateway decrypts and re-encrypts', `security: end to end "${sec.e2e}"`);
  ok(/^([0-9A-F]{4} ){15}[0-9A-F]{4}$/.test(sec.gwGrouped), `the gateway fingerprint in groups of 4: ${sec.gwGrouped}`);
  ok(sec.gwGrouped.replace(/ /g, '') === sec.welcome.replace(/^\S+ /, '').replace(/:/g, ''),
    'the grouped gateway fingerprint is the welcome one');
  ok(/^([0-9A-F]{4} ){15}[0-9A-F]{4} \(matches your browser\)$/.test(sec.brGrouped),
    `the browser fingerprint grouped, checked against the offer: ${sec.brGrouped}`);
  ok(sec.gwExact === sec.welcome && sec.brExact === sec.security?.browser_leg.remote_fingerprint,
    'fp-gateway and fp-browser keep the exact forms');

  // Meters: both move with the 440 Hz tone.
  const mic = await until(() => meter(page, 'Microphone level'), v => v > 0.3);
  const far = await until(() => meter(page, 'Far-end level'), v => v > 0.3);
  ok(mic > 0.3, `the microphone meter moves (${mic.toFixed(2)})`);
  ok(far > 0.3, `the far-end meter moves (${far.toFixed(2)})`);
  const timer = await until(() => page.getByRole('timer').textContent(), t => t !== '0:00', 3000);
  ok(/^0:0[1-9]$/.test(timer), `the call timer runs (${timer})`);

  await page.screenshot({ path: path.join(artifacts, 'page-echo-call.png'), fullPage: true });

  // Mute: the far-end energy drops (the echo sends back silence).
  const energy = () => page.evaluate(async () => {
    for (const s of (await window.rtc2sip.call.pc.getStats()).values())
      if (s.type === 'inbound-rtp' && s.kind === 'audio') return s.totalAudioEnergy;
    return 0;
  });
  const e0 = await energy(); await sleep(1000); const before = (await energy()) - e0;
  const mute = page.getByRole('button', { name: /^Mute/ });
  await mute.click();
  ok(await mute.getAttribute('aria-pressed') === 'true', 'the Mute button is pressed');
  await sleep(700);
  const e1 = await energy(); await sleep(1000); const after = (await energy()) - e1;
  const farMuted = await until(() => meter(page, 'Far-end level'), v => v < 0.1, 3000);
  ok(after < before / 10, `mute: far-end energy drops (${before.toExponential(2)} → ${after.toExponential(2)} per second)`);
  ok(farMuted < 0.1, `mute: the far-end meter falls (${farMuted.toFixed(2)})`);
  await mute.click();
  ok(await mute.getAttribute('aria-pressed') === 'false', 'unmuted');
  const farBack = await until(() => meter(page, 'Far-end level'), v => v > 0.3, 5000);
  ok(farBack > 0.3, `unmute: the far end is heard again (${farBack.toFixed(2)})`);

  // Dial pad by keyboard: Tab to the keys, Enter and Space press them.
  const one = page.getByRole('group', { name: 'Dial pad' }).getByRole('button', { name: '1', exact: true });
  await one.focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Tab');            // → 2
  await page.keyboard.press('Space');
  for (let i = 0; i < 10; i++) await page.keyboard.press('Tab');  // 3 … 0, #
  await page.keyboard.press('Enter');
  const focused = await page.evaluate(() => document.activeElement?.textContent);
  const sent = await page.evaluate(() => window.rtc2sip.events.length);
  const dtmfShown = await page.locator('#dtmf-sent').textContent();
  ok(focused === '#' && dtmfShown === '12#', `the dial pad by keyboard: Enter, Tab, Space (focus on "${focused}", sent "${dtmfShown}")`);
  // The echo gateway has no SIP side; DTMF on an echo call is not refused with an error that ends it.
  await sleep(300);
  ok(await page.evaluate(() => window.rtc2sip.call?.state) === 'connected', 'the call is still up after DTMF', sent);

  await page.getByRole('button', { name: 'Hang up' }).click();
  ok(await page.getByText('Call ended: you hung up').waitFor({ timeout: 3000 }).then(() => true, () => false),
    'Hang up: "Call ended: you hung up"');
  ok(await gw.waitFor(/released: .*; 0 calls active/, 5000), 'the gateway released the call');
  ok(await meter(page, 'Microphone level') === 0, 'the meters rest after the call');

  // The dial pad outside a call types into the number field.
  await one.click();
  ok(await page.getByLabel('Number or SIP address').inputValue() === '1', 'outside a call, the dial pad types into the number');
  ok(consoleErrors.length === 0, 'no console errors on the page', consoleErrors.join('\n'));
  await page.close();
}

// Every control has a name a screen reader can say.
async function labels() {
  const page = await browser.newPage();
  await page.goto(gw.url);
  const unnamed = await page.evaluate(() => [...document.querySelectorAll('button, input, meter, select, textarea')]
    .filter(e => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || e.textContent.trim()))
    .map(e => e.id || e.outerHTML));
  ok(unnamed.length === 0, 'every control has a visible label', unnamed.join(', '));
  for (const l of ['Number or SIP address', 'Gateway token', 'User name at the gateway', 'SIP address',
    'Authentication user', 'SIP password', 'Outbound proxy'])
    ok(await page.getByLabel(l, { exact: true }).count() === 1, `a field labelled "${l}"`);
  // A wrong gateway URL or no gateway: a sentence, not a stack trace.
  await page.getByLabel('Number or SIP address').fill('sip:nobody@127.0.0.1:1;transport=tcp');
  await page.getByRole('button', { name: 'Call', exact: true }).click();
  const st = await until(() => page.getByRole('status').first().textContent(), t => /Call ended|Error/.test(t), 40000);
  ok(/^(Call ended|Error): .{10,}/.test(st), `a SIP call without a SIP side ends with a sentence: "${st}"`);
  await page.close();
}

try {
  await echoThroughUi();
  await labels();
} catch (e) {
  ok(false, 'the suite ran to its end', e.stack);
} finally {
  await browser.close();
  const r = await gw.stop();
  ok(r.code === 0, `the gateway stops with status 0 (${r.code ?? r.signal})`);
  process.exitCode = done() ? 1 : 0;
}
