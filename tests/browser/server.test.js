// The web app served by `strider serve` (the native server, shared/api/README.md): the page
// shows its server features, sends the current setup as a minimize job with the real
// button, follows its progress, opens the result with trajectory playback, and the
// result's /r/ID link opens the same result in a fresh page.
//
//   STRIDER_SITE=build-wasm/site STRIDER_CLI=build/strider node --test tests/browser/
'use strict';

const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const { launch, ROOT } = require('./browser.js');

const SITE = path.resolve(process.env.STRIDER_SITE || path.join(ROOT, 'build-wasm', 'site'));
const CLI = path.resolve(process.env.STRIDER_CLI || path.join(ROOT, 'build', 'strider'));
const TIMEOUT = 120000;

let server;
let url;
let browser;
const data = fs.mkdtempSync(path.join(os.tmpdir(), 'strider-serve-'));

test.before(async () => {
  assert.ok(fs.existsSync(path.join(SITE, 'index.html')), `${SITE}/index.html is missing: build it with \`make site\``);
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: build it with \`make build\``);
  server = spawn(CLI, ['serve', '--port', '0', '--data', data, '--web', SITE, '--workers', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`strider serve did not start: ${output}`)), 30000);
    const read = (chunk) => {
      output += chunk;
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}/`);
      }
    };
    server.stdout.on('data', read);
    server.stderr.on('data', read);
    server.on('exit', (code) => reject(new Error(`strider serve exited (${code}): ${output}`)));
  });
  browser = await launch();
});

test.after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  fs.rmSync(data, { recursive: true, force: true });
});

async function openApp(address) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`${m.text()} ${m.location().url || ''}`); });
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(address);
  await page.waitForFunction(() => window.striderApp && window.striderApp.ready, null, { timeout: TIMEOUT });
  return page;
}

test('send a job from the page, follow it, open its result and its /r/ID link', async () => {
  const page = await openApp(url);
  let shareUrl;
  let resultEnergy;
  try {
    await page.waitForSelector('#server:not([hidden])', { timeout: TIMEOUT });
    await page.evaluate(() => { window.striderApp.state.maxSteps = 60; });
    await page.click('#job-submit');
    await page.waitForFunction(() => /job \w+: succeeded/.test(document.getElementById('job-status').textContent),
      null, { timeout: TIMEOUT });
    const jobId = await page.evaluate(() => window.striderApp.server.job.id);
    const result = await (await fetch(`${url}api/jobs/${jobId}/result`)).json();
    assert.equal(result.steps, 60);
    resultEnergy = result.final_energy / result.n_atoms;

    await page.click('#job-open');
    await page.waitForSelector('#scrub', { timeout: TIMEOUT });
    assert.match(page.url(), new RegExp(`/r/${jobId}$`));
    shareUrl = page.url();
    await page.waitForTimeout(300);
    const shown = await page.evaluate(() => window.striderApp.energyShown());
    assert.ok(Math.abs(shown - resultEnergy) < 1e-5, `shown ${shown}, the job's ${resultEnergy}`);
    // Playback: frame 0 is the start, whose energy is above the result's.
    assert.equal(await page.evaluate(() => window.striderApp.server.frames.length), 61);
    await page.locator('#scrub').fill('0');
    await page.waitForTimeout(300);
    const first = await page.evaluate(() => window.striderApp.energyShown());
    assert.ok(first > shown + 0.1, `frame 0 at ${first}, result at ${shown}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }

  const again = await openApp(shareUrl);
  try {
    await again.waitForFunction(() => /opened result/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    const shown = await again.evaluate(() => window.striderApp.energyShown());
    assert.ok(Math.abs(shown - resultEnergy) < 1e-5, `/r/ID shows ${shown}, the job's ${resultEnergy}`);
    assert.deepEqual(again.errors, []);
  } finally {
    await again.close();
  }
});
