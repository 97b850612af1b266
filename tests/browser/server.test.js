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
const TIMEOUT = 240000;

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
  // The one expected failed request: an adapt job asking for the torch backend of a server
  // without it (HTTP 400 naming the option; the page then sends the job without it).
  page.on('console', (m) => {
    const fallback = /\b400\b/.test(m.text()) && /api\/jobs$/.test(m.location().url || '');
    if (m.type() === 'error' && !fallback) page.errors.push(`${m.text()} ${m.location().url || ''}`);
  });
  page.on('pageerror', (e) => page.errors.push(e.message));
  // The page's own readiness is waited for below (the server compresses every text file on
  // each request, which under load can hold back the load event past goto's 30 s).
  await page.goto(address, { waitUntil: 'commit' });
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

// A trajectory (N = 200, 61 frames): it opens (the time is printed: the server compresses
// each file as it sends it, which sets the time, 38 s for 0.9 MB under load), plays at the
// chosen speed, and playback adds nothing to the energy plot.
test('a trajectory opens and plays at the chosen speed without touching the plot', async () => {
  const page = await openApp(`${url}#system=lj-binary&n=200&seed=1&eq=0&steps=60&run=fire`);
  try {
    await page.waitForSelector('#server:not([hidden])', { timeout: TIMEOUT });
    await page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });
    await page.click('#job-submit');
    await page.waitForFunction(() => /succeeded/.test(document.getElementById('job-status').textContent), null, { timeout: TIMEOUT });
    const jobId = await page.evaluate(() => window.striderApp.server.job.id);
    const size = Number((await fetch(`${url}api/jobs/${jobId}/files/trajectory.xyz`, { method: 'HEAD' })).headers.get('content-length'));
    const t0 = Date.now();
    await page.click('#job-open');
    await page.waitForFunction(() => /opened result/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    const openMs = Date.now() - t0;
    console.log(`trajectory of ${(size / 1e6).toFixed(1)} MB opened in ${openMs} ms`);
    assert.doesNotMatch(await page.textContent('#job-status'), /queued/);
    assert.equal(await page.evaluate(() => window.striderApp.server.frames.length), 61);
    await page.waitForTimeout(400);
    const points = await page.evaluate(() => window.striderApp.plotSummary().points);
    // The speed control: frames played per second of the page's clock, at 5/s and at 30/s.
    const played = async (speed) => {
      await page.selectOption('#play-speed', speed);
      return page.evaluate(async () => {
        const scrub = document.getElementById('scrub');
        const from = Number(scrub.value);
        const t0 = performance.now();
        document.getElementById('play').click();
        await new Promise((resolve) => setTimeout(resolve, 1000));
        document.getElementById('play').click();
        return ((Number(scrub.value) - from + 61) % 61) / ((performance.now() - t0) / 1000);
      });
    };
    const slow = await played('5');
    const fast = await played('30');
    console.log(`playback: ${slow.toFixed(1)} frames/s at 5/s, ${fast.toFixed(1)} at 30/s`);
    assert.ok(slow <= 6 && fast > 15, `${slow} frames/s at 5/s, ${fast} at 30/s`);
    await page.waitForTimeout(400);
    assert.equal(await page.evaluate(() => window.striderApp.plotSummary().points), points, 'playback adds no points');
    assert.match(await page.textContent('#energy'), /trajectory/);
    await page.click('#play-stop');
    await page.waitForTimeout(200);
    assert.doesNotMatch(await page.textContent('#energy'), /trajectory/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// An adapt job: asks for the torch backend (the page falls back to the engine backend when
// this server has none), shows progress per atom as the page does, and its adapted policy
// loads into the page.
test('an adapt job from the page: torch backend asked for, progress in E/N, adapted weights loaded back', async () => {
  const page = await openApp(`${url}#system=lj-binary&n=40&seed=3&eq=200&steps=20&run=fire;policy`);
  const bodies = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /api\/jobs$/.test(r.url())) bodies.push(JSON.parse(r.postData())); });
  try {
    await page.waitForSelector('#server:not([hidden])', { timeout: TIMEOUT });
    await page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });
    await page.selectOption('#job-kind', 'adapt');
    await page.fill('#job-epochs', '4');
    await page.click('#job-submit');
    await page.waitForFunction(() => /succeeded|failed/.test(document.getElementById('job-status').textContent), null, { timeout: TIMEOUT });
    assert.equal(bodies[0].command, 'adapt');
    assert.equal(bodies[0].options.backend, 'torch');
    const status = await page.textContent('#job-status');
    assert.match(status, /succeeded/);
    const job = await page.evaluate(() => window.striderApp.server.job);
    if (job.progress && /\bE\b/.test(job.progress.note || '')) assert.match(status, /E\/N -\d/);
    await page.click('#job-open');
    await page.waitForFunction(() => /opened result/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForFunction(() => window.striderApp.raceTable().some((r) => r.name === 'adapted'), null, { timeout: TIMEOUT });
    assert.match((await page.evaluate(() => window.striderApp.adaptedWeights())).source, /model\.weights/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
