#!/usr/bin/env node
// The gateway under valgrind: an echo call hung up by the page, a second one
// still running at SIGTERM. No definite leak, no memory error, exit 0.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { done, launchChromium, ok, RTC2SIP, skip, sleep, startGateway, workDir } from './lib.mjs';

const work = workDir();
try {
  execFileSync('valgrind', ['--version']);
} catch {
  skip('valgrind is not installed');
  process.exit(done() ? 1 : 0);
}
const vglog = path.join(work, 'valgrind.log');
const wrapper = path.join(work, 'rtc2sip-valgrind.sh');
fs.writeFileSync(wrapper, `#!/bin/sh\nexec valgrind --leak-check=full --errors-for-leak-kinds=definite ` +
  `--error-exitcode=99 --log-file=${vglog} ${RTC2SIP} "$@"\n`, { mode: 0o755 });
const gw = await startGateway([], { work, binary: wrapper });
const browser = await launchChromium({});
try {
  const page = await browser.newPage();
  await page.goto(gw.url);
  // A first call warms valgrind's translation cache: under valgrind the
  // very first set-up can outlast the browser's own ICE/DTLS timers. Its
  // outcome is logged, not judged; the calls after it are.
  await page.getByRole('button', { name: 'Echo test' }).click();
  const warm = await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 45000 }).then(() => true, () => false);
  console.log(`# warm-up call ${warm ? 'connected' : 'did not connect'}`);
  await page.getByRole('button', { name: 'Hang up' }).click().catch(() => {});
  await gw.waitFor(/released: .*; 0 calls active/, 15000);
  await page.reload();
  await page.getByRole('button', { name: 'Echo test' }).click();
  ok(await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 45000 }).then(() => true, () => false),
    'an echo call connects with the gateway under valgrind', gw.log().slice(-3000));
  await sleep(2000);
  await page.getByRole('button', { name: 'Hang up' }).click();
  ok(await gw.waitFor(/released: .*; 0 calls active/, 10000), 'the call is released');
  await page.getByRole('button', { name: 'Echo test' }).click();
  ok(await page.getByText('Connected: you should hear yourself.').waitFor({ timeout: 45000 }).then(() => true, () => false),
    'a second call connects');
  await sleep(1000);
} finally {
  const r = await gw.stop();
  await browser.close();
  ok(r.code === 0, `SIGTERM with a call up: exit status 0 under valgrind (${r.code ?? r.signal})`,
    fs.existsSync(vglog) ? fs.readFileSync(vglog, 'utf8').slice(-4000) : '');
  const log = fs.existsSync(vglog) ? fs.readFileSync(vglog, 'utf8') : '';
  ok(/definitely lost: 0 bytes|no leaks are possible/.test(log), 'valgrind: nothing definitely lost');
  ok(/ERROR SUMMARY: 0 errors/.test(log), 'valgrind: no memory errors');
  process.exitCode = done() ? 1 : 0;
}
