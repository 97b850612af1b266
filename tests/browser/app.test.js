// The web app (build-wasm/site) in Debian's Chromium driven by playwright-core: it loads
// without console errors, FIRE lowers the energy shown, a race fills the table, a share
// link reproduces the same final energies, bad input (a broken dropped file, a nonsense
// link) shows a message and keeps the state, dragging an atom changes the energy, the
// policy runs and adapts, and the viewport is not blank. Tests click the real controls
// (the ImGui panel's widgets, located with the page's striderApp.panelRect) where they can.
//
//   STRIDER_SITE=build-wasm/site node --test tests/browser/
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const { launch, ROOT } = require('./browser.js');
const { serveFolder } = require('./static_server.js');

const SITE = path.resolve(process.env.STRIDER_SITE || path.join(ROOT, 'build-wasm', 'site'));
const TIMEOUT = 90000;

let site;
let browser;
test.before(async () => {
  assert.ok(fs.existsSync(path.join(SITE, 'index.html')), `${SITE}/index.html is missing: build it with \`make site\``);
  site = await serveFolder(SITE);
  browser = await launch();
});
test.after(async () => {
  if (browser) await browser.close();
  if (site) await site.close();
});

// A page at `hash` once the app is ready; console errors are collected in page.errors.
// The one expected failed request is the server probe (GET api/limits): static files have no API.
async function openApp(hash = '') {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.errors = [];
  page.on('console', (m) => {
    const probe = /api\/limits$/.test(m.location().url || '');
    if (m.type() === 'error' && !probe) page.errors.push(m.text());
  });
  page.on('pageerror', (e) => page.errors.push(e.message));
  await page.goto(site.url + hash);
  await page.waitForFunction(() => window.striderApp && window.striderApp.ready, null, { timeout: TIMEOUT });
  return page;
}

// Clicks the centre of the panel widget `label` (a real mouse click on the ImGui canvas).
async function clickPanel(page, label) {
  const rect = await page.evaluate((l) => window.striderApp.panelRect(l), label);
  assert.ok(rect, `panel widget '${label}' not drawn`);
  const box = await page.locator('#panel').boundingBox();
  await page.mouse.click(box.x + rect.x + rect.width / 2, box.y + rect.y + rect.height / 2);
}

const app = (page, body, arg) => page.evaluate(body, arg);
const waitAllDone = (page) => page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });

test('the page loads without console errors and shows an energy; the viewport is not blank', async () => {
  const page = await openApp();
  try {
    const energy = await app(page, () => window.striderApp.energyShown());
    assert.ok(Number.isFinite(energy) && energy < 0, `energy shown: ${energy}`);
    assert.equal(await page.locator('#server').isHidden(), true, 'server features hidden on static files');
    // Pixels of the 3D view (read back from its WebGL canvas): spheres in several colours on the background.
    const stats = await app(page, () => {
      const gl = document.querySelector('#viewport canvas');
      const c = document.createElement('canvas');
      c.width = gl.width;
      c.height = gl.height;
      const ctx = c.getContext('2d');
      ctx.drawImage(gl, 0, 0);
      const data = ctx.getImageData(0, 0, c.width, c.height).data;
      const [r0, g0, b0] = data;
      let differing = 0;
      const colours = new Set();
      for (let k = 0; k < data.length; k += 4) {
        if (Math.abs(data[k] - r0) + Math.abs(data[k + 1] - g0) + Math.abs(data[k + 2] - b0) > 30) differing += 1;
        colours.add((data[k] >> 4) * 256 + (data[k + 1] >> 4) * 16 + (data[k + 2] >> 4));
      }
      return { fraction: differing / (data.length / 4), colours: colours.size };
    });
    assert.ok(stats.fraction > 0.05, `only ${(stats.fraction * 100).toFixed(1)}% of the viewport differs from the background`);
    assert.ok(stats.colours > 20, `only ${stats.colours} colours in the viewport`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('clicking Run lowers the energy shown with FIRE', async () => {
  const page = await openApp();
  try {
    const before = await app(page, () => window.striderApp.energyShown());
    await clickPanel(page, 'Run');
    await page.waitForFunction(() => window.striderApp.raceTable()[0].steps >= 100, null, { timeout: TIMEOUT });
    await page.waitForTimeout(200);
    const after = await app(page, () => window.striderApp.energyShown());
    assert.equal((await app(page, () => window.striderApp.raceTable()))[0].name, 'fire');
    assert.ok(after < before - 0.5, `energy shown ${before} -> ${after}`);
    // Pause, then Shake: MD at T = 2 heats the relaxed structure.
    await clickPanel(page, 'Pause');
    await page.waitForFunction(() => !window.striderApp.state.running);
    const relaxed = await app(page, () => window.striderApp.energyShown());
    await clickPanel(page, 'Shake');
    await page.waitForFunction(() => /shaken/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForTimeout(300);
    const shaken = await app(page, () => window.striderApp.energyShown());
    assert.ok(shaken > relaxed + 0.1, `shake: ${relaxed} -> ${shaken}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a race of three optimisers fills the table; its share link reproduces the final energies', async () => {
  const page = await openApp();
  let link;
  let table;
  try {
    await app(page, () => { window.striderApp.state.maxSteps = 150; });
    await clickPanel(page, 'use lbfgs');
    await clickPanel(page, 'use fire2');
    await page.waitForFunction(() => window.striderApp.state.drivers.filter((d) => d.enabled).length === 3);
    await clickPanel(page, 'Reset');
    await page.waitForFunction(() => window.striderApp.raceTable().length === 3, null, { timeout: TIMEOUT });
    await clickPanel(page, 'Run');
    await waitAllDone(page);
    table = await app(page, () => window.striderApp.raceTable());
    assert.deepEqual(table.map((r) => r.name).sort(), ['fire', 'fire2', 'lbfgs']);
    for (const row of table) {
      assert.equal(row.steps, 150);
      assert.equal(row.error, '');
      assert.ok(row.energyPerAtom < -6, `${row.name}: E/N ${row.energyPerAtom}`);
    }
    // Exports: the curves as CSV (one column per optimiser) and the shown structure as extxyz.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const rows = fs.readFileSync(await csv.path(), 'utf8').trim().split('\n');
    assert.equal(rows[0], `step,${table.map((r) => r.name).join(',')}`);
    assert.equal(rows.length, 152);
    assert.equal(Number(rows[151].split(',')[1]), table[0].energyPerAtom);
    const [xyz] = await Promise.all([page.waitForEvent('download'), page.click('#export-xyz')]);
    const text = fs.readFileSync(await xyz.path(), 'utf8');
    assert.equal(text.split('\n')[0].trim(), '100');
    assert.match(text.split('\n')[1], /system=lj-binary/);
    link = await app(page, () => window.striderApp.shareLink());
    assert.match(link, /run=fire;fire2;lbfgs|run=[a-z0-9;:=,._-]+/);
  } finally {
    await page.close();
  }
  const again = await openApp(link.slice(site.url.length));
  try {
    await waitAllDone(again);
    const replay = await app(again, () => window.striderApp.raceTable());
    assert.deepEqual(replay.map((r) => [r.name, r.energyPerAtom]).sort(), table.map((r) => [r.name, r.energyPerAtom]).sort());
    assert.deepEqual(again.errors, []);
  } finally {
    await again.close();
  }
});

test('a share link with changed parameters carries them', async () => {
  const page = await openApp('#system=lj&n=13&seed=2&eq=100&steps=50&run=fire:dt_max=0.05');
  try {
    await waitAllDone(page);
    const state = await app(page, () => ({
      setup: window.striderApp.state.setup,
      dtMax: window.striderApp.state.drivers.find((d) => d.name === 'fire').params.find((p) => p.name === 'dt_max').value,
    }));
    assert.deepEqual(state.setup, { system: 'lj', n: 13, seed: 2, equilibration: 100 });
    assert.equal(state.dtMax, 0.05);
    assert.match(await app(page, () => window.striderApp.shareLink()), /run=fire:dt_max=0\.05/);
  } finally {
    await page.close();
  }
});

// (Every kind of nonsense the link parser refuses: tests/web/share_link.test.js.)
test('nonsense in a link shows a clear message and keeps a working page', async () => {
  for (const [hash, expected] of [
    ['#system=lj&n=99999999', /n=99999999 is not a whole number in \[2, 5000\]/],
    ['#system=lj&n=10&run=fire:warp=2', /fire has no parameter 'warp'/],
    ['#system=sw-si&n=100&eq=10', /N must be 8 k\^3.*got 100/],
  ]) {
    const page = await openApp(hash);
    try {
      assert.match(await app(page, () => window.striderApp.message()), expected, hash);
      assert.ok(Number.isFinite(await app(page, () => window.striderApp.energyShown())), `${hash}: an energy is still shown`);
      assert.equal(await app(page, () => window.striderApp.state.setup.system), 'lj-binary', `${hash}: setup kept`);
    } finally {
      await page.close();
    }
  }
});

// Drops a file named `name` holding `text` onto the viewport (a real drop event).
async function dropFile(page, name, text) {
  const transfer = await page.evaluateHandle(([n, t]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'text/plain' }));
    return dt;
  }, [name, text]);
  await page.dispatchEvent('#viewport', 'drop', { dataTransfer: transfer });
}

test('dropping a broken file shows the error and keeps the structure; a good one loads', async () => {
  const page = await openApp();
  try {
    const before = await app(page, () => window.striderApp.energyShown());
    await dropFile(page, 'broken.xyz', '3\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX 1 1\n');
    await page.waitForFunction(() => /broken\.xyz/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(await app(page, () => window.striderApp.message()), /broken\.xyz:\d+/);
    assert.equal(await app(page, () => window.striderApp.energyShown()), before);
    assert.equal(await app(page, () => window.striderApp.state.setup.system), 'lj-binary');

    const r = 2 ** (1 / 6);
    await dropFile(page, 'dimer.xyz', `2\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX ${r} 0 0\n`);
    await page.waitForFunction(() => /dimer\.xyz: lj, N = 2/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForTimeout(200);
    assert.ok(Math.abs((await app(page, () => window.striderApp.energyShown())) + 0.5) < 1e-6, 'LJ dimer at its minimum: E/N = -1/2');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('dragging an atom with the mouse changes the energy shown', async () => {
  const page = await openApp();
  try {
    await page.waitForTimeout(300);
    const before = await app(page, () => window.striderApp.energyShown());
    const p = await app(page, () => window.striderApp.atomScreenPosition(0));
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(p.x + 40, p.y + 25, { steps: 4 });
    await page.mouse.up();
    await page.waitForTimeout(300);
    const after = await app(page, () => window.striderApp.energyShown());
    assert.notEqual(after, before, 'the energy responds to the drag');
  } finally {
    await page.close();
  }
});

test('the shipped policy runs beside FIRE and adapts in the page', async () => {
  const page = await openApp('#system=lj-binary&n=40&seed=3&eq=200&steps=30&run=fire;policy');
  try {
    await waitAllDone(page);
    const table = await app(page, () => window.striderApp.raceTable());
    assert.deepEqual(table.map((r) => r.name), ['fire', 'policy']);
    assert.ok(table.every((r) => r.steps === 30 && r.error === ''), JSON.stringify(table));
    // Adapt with the panel's button, then stop.
    await clickPanel(page, 'Adapt policy');
    await page.waitForFunction(() => /adapting: epoch [2-9]/.test(window.striderApp.state.status), null, { timeout: TIMEOUT });
    await clickPanel(page, 'Stop adapting');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
