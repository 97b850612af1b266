// The web app served by `strider serve` (the native server, shared/api/README.md): the page
// shows its server features, sends the current setup as a minimize job with the real
// button, follows its progress, opens the result with trajectory playback, and the
// result's /r/ID link opens the same result in a fresh page; a 10-seed adaptation of an
// N = 1000 structure, which the page refuses to adapt itself, runs on the server's torch
// backend with its progress shown per seed.
//
//   STRIDER_SITE=build-wasm/site STRIDER_CLI=build/strider node --test tests/browser/
//
// STRIDER_BACKEND: the adaptation backend the server must use (CTest sets torch when the
// build has strider-torch); unset, torch exactly when strider-torch is beside STRIDER_CLI.
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
const BACKEND = process.env.STRIDER_BACKEND ||
  (fs.existsSync(path.join(path.dirname(CLI), 'strider-torch')) ? 'torch' : 'engine');
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
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(`${m.text()} ${m.location().url || ''}`);
  });
  page.on('pageerror', (e) => page.errors.push(e.message));
  // The page's own readiness is waited for below (the server compresses every text file on
  // each request, which under load can hold back the load event past goto's 30 s).
  await page.goto(address, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.striderApp && window.striderApp.ready, null, { timeout: TIMEOUT });
  return page;
}

// Opens a result's /r/ID link in a fresh page: it must show the job's energy (E/N), pass
// `check` and raise no page error.
async function checkResultLink(url, resultEnergy, check = async () => {}) {
  const again = await openApp(url);
  try {
    await again.waitForFunction(() => /opened result/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    const shown = await again.evaluate(() => window.striderApp.energyShown());
    assert.ok(Math.abs(shown - resultEnergy) < 1e-5, `/r/ID shows ${shown}, the job's ${resultEnergy}`);
    await check(again);
    assert.deepEqual(again.errors, []);
  } finally {
    await again.close();
  }
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

  await checkResultLink(shareUrl, resultEnergy);
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

// An adapt job: the backend offered first is torch when the server has it, progress is
// shown per atom as the page does, and its adapted policy loads into the page.
test('an adapt job from the page: the server\'s best backend, progress in E/N, adapted weights loaded back', async () => {
  const page = await openApp(`${url}#system=lj-binary&n=40&seed=3&eq=200&steps=20&run=fire;policy`);
  const bodies = [];
  page.on('request', (r) => { if (r.method() === 'POST' && /api\/jobs$/.test(r.url())) bodies.push(JSON.parse(r.postData())); });
  try {
    await page.waitForSelector('#server:not([hidden])', { timeout: TIMEOUT });
    await page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });
    await page.selectOption('#job-kind', 'adapt');
    await page.fill('#job-epochs', '4');
    await page.fill('#job-seeds', '2');
    await page.click('#job-submit');
    await page.waitForFunction(() => /succeeded|failed/.test(document.getElementById('job-status').textContent), null, { timeout: TIMEOUT });
    assert.equal(bodies[0].command, 'adapt');
    assert.equal(bodies[0].options.backend, BACKEND);
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

// What issue 11 calls done: on an N = 1000 binary-LJ structure the page's own adaptation
// (N <= 300) offers the server instead; the user asks for 10 seeds (2 epochs of T = 3
// steps, to stay fast) and sends it; the server runs it on BACKEND, the page shows every
// seed's progress while it runs, and the result opens in the page and at its /r/ID link.
test('a 10-seed adaptation of N = 1000 from the page runs on the server, per-seed progress, result at /r/ID', async () => {
  const page = await openApp(`${url}#system=lj-binary&n=1000&seed=1&eq=100&steps=20&run=fire`);
  let shareUrl;
  let resultEnergy;
  try {
    await page.waitForSelector('#server:not([hidden])', { timeout: TIMEOUT });
    await page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });
    assert.equal(await page.evaluate(() => window.striderApp.state.applied.n), 1000);
    await page.click('#adapt');
    await page.waitForFunction(() => /N ≤ 300/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(await page.evaluate(() => window.striderApp.message()), /server adapts at any N/);
    assert.equal(await page.inputValue('#job-kind'), 'adapt');
    assert.ok(await page.isVisible('#job-adapt-options'), 'the adapt options are shown');
    assert.equal(await page.inputValue('#job-backend'), BACKEND, 'the backend offered first');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'job-submit');

    // Every state of the per-seed table while the job runs, as the user sees it.
    await page.evaluate(() => {
      window.seedSnapshots = [];
      const status = document.getElementById('job-status');
      const table = document.getElementById('job-seed-progress');
      new MutationObserver(() => {
        if (table.hidden) return;
        window.seedSnapshots.push({ status: status.textContent, rows: [...table.tBodies[0].rows].map((r) => [...r.cells].map((c) => c.textContent)) });
      }).observe(table, { subtree: true, childList: true, attributes: true });
    });
    await page.fill('#job-epochs', '2');
    await page.fill('#job-seeds', '10');
    await page.fill('#job-steps', '3');
    await page.click('#job-submit');
    await page.waitForFunction(() => /succeeded|failed/.test(document.getElementById('job-status').textContent), null, { timeout: TIMEOUT });
    assert.match(await page.textContent('#job-status'), new RegExp(`succeeded \\(adapt, ${BACKEND} backend\\)`));
    const job = await page.evaluate(() => window.striderApp.server.job);
    const result = await (await fetch(`${url}api/jobs/${job.id}/result`)).json();
    assert.equal(result.backend, BACKEND, 'the backend the adaptation ran on');
    assert.equal(result.n_atoms, 1000);
    assert.equal(result.seeds, 10);
    assert.equal(result.runs.length, 10);
    assert.ok(result.runs.every((r) => r.epochs === 2 && !r.diverged), JSON.stringify(result.runs));
    assert.equal(result.steps, 3);
    resultEnergy = result.final_energy / result.n_atoms;

    // Per-seed progress: a row for each of the 10 seeds, seen while the job ran, and at the end every seed at epoch 2.
    const snapshots = await page.evaluate(() => window.seedSnapshots);
    const running = snapshots.filter((s) => /running/.test(s.status));
    assert.ok(running.length > 0, `no per-seed progress while running: ${JSON.stringify(snapshots.slice(-3))}`);
    const rows = await page.$$eval('#job-seed-progress tbody tr', (trs) => trs.map((r) => [...r.cells].map((c) => c.textContent)));
    assert.deepEqual(rows.map((r) => Number(r[0])), [...Array(10).keys()]);
    assert.ok(rows.every((r) => r[1] === '2'), JSON.stringify(rows));
    const best = Math.min(...rows.map((r) => Number(r[3])));
    assert.ok(Math.abs(best - resultEnergy) < 1e-5, `table's best E/N ${best}, the result's ${resultEnergy}`);

    await page.click('#job-open');
    await page.waitForFunction(() => /opened result/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(page.url(), new RegExp(`/r/${job.id}$`));
    shareUrl = page.url();
    const shown = await page.evaluate(() => window.striderApp.energyShown());
    assert.ok(Math.abs(shown - resultEnergy) < 1e-5, `shown ${shown}, the job's ${resultEnergy}`);
    assert.match((await page.evaluate(() => window.striderApp.adaptedWeights())).source, /model\.weights/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }

  await checkResultLink(shareUrl, resultEnergy, async (again) =>
    assert.match((await again.evaluate(() => window.striderApp.adaptedWeights())).source, /model\.weights/));
});
