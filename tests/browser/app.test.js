// The web app (build-wasm/site) in Debian's Chromium driven by playwright-core, as static
// files. Tests click, type and drag the real controls (HTML buttons, fields, checkboxes and
// the 3D view) and read the page through window.striderApp. Each issue the page had is a
// test: a run that diverges (also after dragging) leaves a working page; what is on screen
// is what the settings and the share link say; the adapted policy is kept; the keyboard
// stays in the controls. Then the plot, the view, screen sizes and files.
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
async function openApp(hash = '', viewport = { width: 1280, height: 800 }) {
  const page = await browser.newPage({ viewport });
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

const app = (page, body, arg) => page.evaluate(body, arg);
const waitAllDone = (page) => page.waitForFunction(() => window.striderApp.allDone(), null, { timeout: TIMEOUT });
const frames = (page) => app(page, () => window.striderApp.timing().frames);
const table = (page) => app(page, () => window.striderApp.raceTable());
const energy = (page) => app(page, () => window.striderApp.energyShown());

// Types `value` into the field `selector` as a user does (select all, type, leave the field).
async function typeInto(page, selector, value) {
  await page.click(selector, { clickCount: 3 });
  await page.keyboard.press('Control+A');
  await page.keyboard.type(String(value));
  await page.keyboard.press('Tab');
}

// The page still draws frames and every control works: Reset restarts the lanes at step 0.
async function assertAlive(page) {
  const before = await frames(page);
  await page.waitForFunction((f) => window.striderApp.timing().frames > f + 5, before, { timeout: TIMEOUT });
  await page.click('#reset');
  await page.waitForFunction(() => window.striderApp.raceTable().every((r) => r.steps === 0 && r.error === ''), null, { timeout: TIMEOUT });
  const e = await energy(page);
  assert.ok(Number.isFinite(e) && e < 0, `after Reset the energy shown is ${e}`);
}

// Presses the mouse on atom `atom` and drags by (dx, dy) pixels in `moves` moves, `pause` ms
// apart; returns {grabbed (the atom the page holds, the front one under the pointer), from, to}
// with the grabbed atom's screen positions before and after.
async function dragAtom(page, atom, dx, dy, moves, pause) {
  const p = await app(page, (i) => window.striderApp.atomScreenPosition(i), atom);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down();
  const grabbed = await app(page, () => window.striderApp.heldAtom());
  const from = grabbed === null ? null : await app(page, (i) => window.striderApp.atomScreenPosition(i), grabbed);
  for (let k = 1; k <= moves; ++k) {
    await page.mouse.move(p.x + (dx * k) / moves, p.y + (dy * k) / moves);
    await page.waitForTimeout(pause);
  }
  const to = grabbed === null ? null : await app(page, (i) => window.striderApp.atomScreenPosition(i), grabbed);
  await page.mouse.up();
  return { grabbed, from, to };
}

// Drops a file named `name` holding `text` onto the viewport (a real drop event).
async function dropFile(page, name, text) {
  const transfer = await page.evaluateHandle(([n, t]) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], n, { type: 'text/plain' }));
    return dt;
  }, [name, text]);
  await page.dispatchEvent('#viewport', 'drop', { dataTransfer: transfer });
}

// Fraction of the 3D view's pixels (WebGL canvas read back) for which pick(r, g, b) holds,
// inside the rectangle `rect` of the canvas (fractions of its size; all of it by default).
function viewPixels(page, pickSource, rect = [0, 0, 1, 1]) {
  return app(page, ([source, r]) => {
    const pick = (0, eval)(source);
    const gl = document.querySelector('#viewport canvas');
    const c = document.createElement('canvas');
    c.width = gl.width;
    c.height = gl.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(gl, 0, 0);
    const x0 = Math.floor(r[0] * c.width);
    const y0 = Math.floor(r[1] * c.height);
    const data = ctx.getImageData(x0, y0, Math.floor(r[2] * c.width) - x0, Math.floor(r[3] * c.height) - y0).data;
    let hits = 0;
    for (let k = 0; k < data.length; k += 4) if (pick(data[k], data[k + 1], data[k + 2])) hits += 1;
    return hits / (data.length / 4);
  }, [pickSource, rect]);
}

test('the page loads without console errors, with a title, an energy and a drawn view', async () => {
  const page = await openApp();
  try {
    assert.match(await page.title(), /strider/);
    const e = await energy(page);
    assert.ok(Number.isFinite(e) && e < 0, `energy shown: ${e}`);
    assert.match(await page.textContent('#energy'), /ε/);
    assert.equal(await page.locator('#server').isHidden(), true, 'server features hidden on static files');
    const lit = await viewPixels(page, '(r, g, b) => r + g + b > 120');
    assert.ok(lit > 0.05, `only ${(lit * 100).toFixed(1)}% of the viewport is lit`);
    // The "?" page explains the optimisers, the policy, adaptation, equilibration and colours.
    await page.click('#help-open');
    const help = await page.textContent('#help');
    for (const word of ['FIRE', 'L-BFGS', 'basin-hopping', 'policy', 'Adapt policy', 'equilibration', 'Colours']) {
      assert.ok(help.toLowerCase().includes(word.toLowerCase()), `help mentions ${word}`);
    }
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#help').isVisible(), false);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the demo races FIRE against the policy on a glass, then shakes the policy\'s structure', async () => {
  const page = await openApp();
  try {
    await page.click('#demo');
    await page.waitForFunction(() => /Demo: the policy's structure was shaken/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    const rows = await table(page);
    assert.deepEqual(rows.map((r) => r.name), ['fire', 'policy']);
    assert.ok(rows.every((r) => r.steps >= 300 && r.error === ''), JSON.stringify(rows));
    assert.equal(await page.inputValue('#shown'), 'policy');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// Broken today 1: a run that diverges froze the page for good.
test('a run that diverges is marked "diverged", the plot stays finite, and Reset, Shake and Generate work', async () => {
  const page = await openApp();
  try {
    await page.click('[data-driver="fire"] summary');
    await typeInto(page, '[aria-label="fire dt_start"]', 3);
    await typeInto(page, '[aria-label="fire dt_max"]', 30);
    await page.click('#run');
    await page.waitForFunction(() => window.striderApp.raceTable()[0].error !== '', null, { timeout: TIMEOUT });
    assert.match((await table(page))[0].error, /^diverged at step \d+/);
    assert.match(await page.textContent('#race tbody'), /diverged/);
    await page.waitForTimeout(600);
    const plotted = await app(page, () => window.striderApp.plotSummary());
    assert.ok(plotted.allFinite && Number.isFinite(plotted.yMax), JSON.stringify(plotted));
    assert.ok(Number.isFinite(await energy(page)), 'the last finite structure is shown');
    await assertAlive(page);
    await page.click('#shake');
    await page.waitForFunction(() => /shaken/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.click('#generate');
    await page.waitForFunction(() => /seed 1 \(strider generate/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('dragging an atom every 80 ms during a long FIRE run: the atom follows the pointer, nothing diverges, Reset works', async () => {
  const page = await openApp();
  try {
    await typeInto(page, '#max-steps', 200000);
    await page.click('#run');
    await page.waitForTimeout(300);
    const { grabbed, from, to } = await dragAtom(page, 0, 60, 40, 30, 80);
    assert.notEqual(grabbed, null, 'an atom was grabbed');
    const rows = await table(page);
    assert.equal(rows[0].error, '', `FIRE after the drag: ${rows[0].error}`);
    assert.ok(Number.isFinite(rows[0].energyPerAtom) && rows[0].energyPerAtom < 0, JSON.stringify(rows));
    assert.ok(Math.hypot(to.x - from.x, to.y - from.y) > 15, `the dragged atom moved with the pointer: ${JSON.stringify([from, to])}`);
    await assertAlive(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('dropping a file with two atoms at the same place is refused with a message; the page goes on', async () => {
  const page = await openApp();
  try {
    const before = await energy(page);
    await dropFile(page, 'overlap.xyz', '2\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX 0 0 0\n');
    await page.waitForFunction(() => /overlap\.xyz/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(await app(page, () => window.striderApp.message()), /overlap\.xyz: its energy is .*not loaded/);
    assert.equal(await energy(page), before);
    await assertAlive(page);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// Broken today 2: what is on screen differed from the settings.
test('ticking optimisers then Run races every ticked one at once', async () => {
  const page = await openApp();
  try {
    await page.click('[aria-label="use lbfgs"]');
    await page.click('[aria-label="use fire2"]');
    await typeInto(page, '#max-steps', 150);
    await page.click('#run');
    await waitAllDone(page);
    const rows = await table(page);
    assert.deepEqual(rows.map((r) => r.name), ['fire', 'fire2', 'lbfgs']);
    for (const row of rows) {
      assert.equal(row.steps, 150, row.name);
      assert.ok(row.energyPerAtom < -6, `${row.name}: E/N ${row.energyPerAtom}`);
    }
    assert.match(await page.textContent('#status'), /done/);
    // Run after "done" goes on for another max-steps.
    await page.click('#run');
    await waitAllDone(page);
    assert.deepEqual((await table(page)).map((r) => r.steps), [300, 300, 300]);
    // Exports: the curves as CSV (lane, step, evaluations, E/N) and the shown structure as extxyz.
    const [csv] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
    const lines = fs.readFileSync(await csv.path(), 'utf8').trim().split('\n');
    assert.equal(lines[0], 'lane,step,evaluations,energy_per_atom');
    assert.equal(lines.length, 1 + 3 * 301);
    // The optimiser shown is the one exported: L-BFGS's structure has L-BFGS's energy.
    await page.selectOption('#shown', 'lbfgs');
    const [xyz] = await Promise.all([page.waitForEvent('download'), page.click('#export-xyz')]);
    const text = fs.readFileSync(await xyz.path(), 'utf8');
    assert.equal(text.split('\n')[0].trim(), '100');
    assert.match(text.split('\n')[1], /system=lj-binary/);
    const exported = Number(/energy=(\S+)/.exec(text.split('\n')[1])[1]) / 100;
    const lbfgs = (await table(page)).find((r) => r.name === 'lbfgs').energyPerAtom;
    assert.ok(Math.abs(exported - lbfgs) < 1e-9, `exported E/N ${exported}, L-BFGS ${lbfgs}`);
    assert.match(await page.textContent('#energy'), /lbfgs/);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('a seed typed but not generated is marked, and the share link opens what was on screen', async () => {
  const page = await openApp();
  let link;
  let rows;
  try {
    await typeInto(page, '#max-steps', 80);
    await typeInto(page, '#seed', 7);
    assert.equal(await page.locator('#pending').isVisible(), true, '"changed — press Generate" shown');
    await page.click('#run');
    await waitAllDone(page);
    rows = await table(page);
    link = await app(page, () => window.striderApp.shareLink());
    assert.match(link, /seed=1&/);
    assert.doesNotMatch(link, /seed=7/);
  } finally {
    await page.close();
  }
  const again = await openApp(link.slice(site.url.length));
  try {
    await waitAllDone(again);
    assert.deepEqual((await table(again)).map((r) => [r.name, r.energyPerAtom]), rows.map((r) => [r.name, r.energyPerAtom]));
    assert.equal(await again.locator('#pending').isVisible(), false);
    assert.deepEqual(again.errors, []);
  } finally {
    await again.close();
  }
});

test('a failed Generate keeps the structure and says so; the policy is offered only where one is shipped', async () => {
  const page = await openApp();
  try {
    const before = await energy(page);
    await page.selectOption('#system', 'sw-si');
    await typeInto(page, '#n', 100);
    assert.equal(await page.locator('[aria-label="use policy"]').isDisabled(), false, 'lj-binary has a policy');
    await page.click('#generate');
    await page.waitForFunction(() => /N must be 8 k\^3/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(await app(page, () => window.striderApp.message()), /still showing lj-binary N = 100 seed 1/);
    assert.equal(await page.locator('#pending').isVisible(), true);
    assert.equal(await energy(page), before);
    assert.match(await app(page, () => window.striderApp.shareLink()), /system=lj-binary/);
    await typeInto(page, '#n', 64);
    await page.click('#generate');
    await page.waitForFunction(() => window.striderApp.state.applied.system === 'sw-si', null, { timeout: TIMEOUT });
    assert.match(await page.textContent('#energy'), /eV/);
    assert.equal(await page.locator('#pending').isVisible(), false);
    await page.waitForFunction(() => !document.querySelector('[aria-label="use policy"]').disabled, null, { timeout: TIMEOUT });
    // Plain LJ has no shipped policy.
    await page.selectOption('#system', 'lj');
    await typeInto(page, '#n', 13);
    await page.click('#generate');
    await page.waitForFunction(() => window.striderApp.state.applied.system === 'lj', null, { timeout: TIMEOUT });
    await page.waitForFunction(() => document.querySelector('[aria-label="use policy"]').disabled, null, { timeout: TIMEOUT });
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// Broken today 3: the adapted policy was thrown away.
test('the adapted policy is kept: it races against the shipped one after Reset, downloads and loads back', async () => {
  const page = await openApp('#system=lj-binary&n=40&seed=3&eq=200&steps=30&run=fire;policy');
  try {
    await waitAllDone(page);
    await page.click('#adapt');
    await page.waitForFunction(() => /adapting: epoch [3-9]/.test(document.getElementById('status').textContent), null, { timeout: TIMEOUT });
    assert.equal(await page.inputValue('#shown'), 'adapted', 'the 3D view shows the adapting policy');
    await page.click('#adapt');
    await page.click('#reset');
    await page.waitForFunction(() => window.striderApp.raceTable().length === 3 && window.striderApp.raceTable().every((r) => r.steps === 0), null, { timeout: TIMEOUT });
    await page.click('#run');
    await waitAllDone(page);
    const rows = await table(page);
    assert.deepEqual(rows.map((r) => r.name), ['fire', 'policy', 'adapted']);
    const policy = rows.find((r) => r.name === 'policy');
    const adaptedRow = rows.find((r) => r.name === 'adapted');
    assert.notEqual(adaptedRow.energyPerAtom, policy.energyPerAtom, 'the adapted weights differ from the shipped ones');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-weights')]);
    const weights = fs.readFileSync(await download.path(), 'utf8');
    const shipped = fs.readFileSync(path.join(SITE, 'shared', 'policy-lj-binary-100.weights'), 'utf8');
    assert.equal(weights.split('\n')[0], shipped.split('\n')[0], 'the weight file format');
    assert.notEqual(weights, shipped);
    // Loading the downloaded file races it as "adapted" again, with the same result.
    await page.setInputFiles('#load-weights', { name: 'mine.weights', mimeType: 'text/plain', buffer: Buffer.from(weights) });
    await page.waitForFunction(() => /mine\.weights: policy weights loaded/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.click('#reset');
    await page.click('#run');
    await page.waitForFunction(() => window.striderApp.allDone() && window.striderApp.raceTable().every((r) => r.steps === 30), null, { timeout: TIMEOUT });
    assert.equal((await table(page)).find((r) => r.name === 'adapted').energyPerAtom, adaptedRow.energyPerAtom);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// Broken today 4: the keyboard leaked out of the panel.
test('the keyboard stays in the controls: Ctrl+A, End, Tab, arrow keys and Space', async () => {
  const page = await openApp();
  try {
    await page.click('#n');
    await page.keyboard.press('Control+A');
    const selected = await app(page, () => window.getSelection().toString());
    assert.ok(selected === '' || selected === '100', `Ctrl+A selects the field, not the page: '${selected}'`);
    await page.keyboard.type('64');
    assert.equal(await page.inputValue('#n'), '64', 'typing replaces the whole field Ctrl+A selected');
    await page.keyboard.press('End');
    assert.equal(await app(page, () => document.scrollingElement.scrollTop), 0, 'End does not scroll the page');
    await page.keyboard.press('ArrowUp');
    assert.equal(await page.inputValue('#n'), '65', 'ArrowUp steps the number');
    await page.keyboard.press('Tab');
    assert.equal(await app(page, () => document.activeElement.id), 'seed', 'Tab moves to the next field');
    // Space on a focused button presses it; Space elsewhere runs and pauses.
    await page.focus('#run');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => window.striderApp.state.running);
    await app(page, () => document.activeElement.blur());
    await page.keyboard.press('Space');
    await page.waitForFunction(() => !window.striderApp.state.running);
    // A drag after Ctrl+A still drags an atom (no text drag).
    const e0 = await energy(page);
    await dragAtom(page, 3, 30, 20, 4, 30);
    await page.waitForTimeout(200);
    assert.notEqual(await energy(page), e0);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the plot has axes with units, a legend, a log scale and energy evaluations on x', async () => {
  const page = await openApp('#system=lj-binary&n=100&seed=1&eq=1000&steps=40&run=fire;basin-hopping:local_steps=200');
  try {
    await waitAllDone(page);
    await page.waitForTimeout(400);
    let plotted = await app(page, () => window.striderApp.plotSummary());
    assert.deepEqual(plotted.series, ['fire', 'basin-hopping']);
    assert.equal(plotted.xLabel, 'steps');
    assert.equal(plotted.yLabel, 'E/N (ε)');
    assert.ok(plotted.points > 40 && plotted.allFinite, JSON.stringify(plotted));
    const legend = await page.textContent('#plot .u-legend');
    assert.match(legend, /fire/);
    assert.match(legend, /basin-hopping/);
    await page.selectOption('#plot-x', 'evaluations');
    await page.selectOption('#plot-y', 'gap');
    await page.waitForTimeout(400);
    plotted = await app(page, () => window.striderApp.plotSummary());
    assert.equal(plotted.xLabel, 'energy evaluations');
    assert.match(plotted.yLabel, /lowest.*log/);
    assert.ok(plotted.logScale && plotted.yMin > 0, JSON.stringify(plotted));
    // Basin hopping spends many evaluations per step: its x reaches far beyond FIRE's.
    const rows = await table(page);
    assert.ok(rows[1].evaluations > 10 * rows[0].evaluations, JSON.stringify(rows));
    // A drag adds no point to the curve.
    const before = await app(page, () => window.striderApp.plotSummary().points);
    await dragAtom(page, 5, 20, 10, 3, 30);
    await page.waitForTimeout(400);
    assert.equal(await app(page, () => window.striderApp.plotSummary().points), before);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

test('the colour bar is labelled in the view and can be fixed; species colours; silicon bonds are drawn', async () => {
  const page = await openApp();
  try {
    const bar = await page.locator('#colour-bar').boundingBox();
    const view = await page.locator('#viewport').boundingBox();
    assert.ok(bar.x >= view.x && bar.x + bar.width <= view.x + view.width && bar.y >= view.y, 'the bar lies inside the view');
    assert.match(await page.textContent('#bar-title'), /per-atom energy \(ε\)/);
    const lo = Number(await page.textContent('#bar-min'));
    const hi = Number(await page.textContent('#bar-max'));
    assert.ok(Number.isFinite(lo) && hi > lo, `${lo} .. ${hi}`);
    // Pixels of the ramp: blue at the bottom, red at the top.
    const ramp = await page.locator('#bar-ramp').boundingBox();
    const shot = await page.screenshot({ clip: { x: ramp.x + ramp.width / 2, y: ramp.y + 2, width: 1, height: ramp.height - 4 } });
    const { PNG } = await pngReader();
    const pixels = PNG(shot);
    const top = pixels[0];
    const bottom = pixels[pixels.length - 1];
    assert.ok(top[0] > 200 && top[2] < 80, `top of the bar: ${top}`);
    assert.ok(bottom[2] > 200 && bottom[0] < 80, `bottom of the bar: ${bottom}`);
    // Fixed range: everything above the range's top end is red.
    await page.check('#bar-fixed');
    await typeInto(page, '#bar-lo', -20);
    await typeInto(page, '#bar-hi', -19);
    await page.waitForTimeout(300);
    assert.deepEqual(await app(page, () => window.striderApp.viewport().range), [-20, -19]);
    const red = await viewPixels(page, '(r, g, b) => r > 150 && g < 90 && b < 90');
    assert.ok(red > 0.05, `red pixels ${red}`);
    // By species: B atoms (orange) appear.
    await page.selectOption('#colour-mode', 'species');
    await page.waitForTimeout(300);
    const orange = await viewPixels(page, '(r, g, b) => r > 180 && g > 80 && g < 170 && b < 90');
    assert.ok(orange > 0.002, `orange pixels ${orange}`);
    // Silicon: bonds are on and drawn.
    await page.selectOption('#colour-mode', 'energy');
    await page.uncheck('#bar-fixed');
    await page.selectOption('#system', 'sw-si');
    await typeInto(page, '#n', 64);
    await page.click('#generate');
    await page.waitForFunction(() => window.striderApp.state.applied.system === 'sw-si', null, { timeout: TIMEOUT });
    await page.waitForTimeout(300);
    assert.equal(await page.isChecked('#bonds'), true);
    const bonds = (await app(page, () => window.striderApp.viewport())).bonds;
    assert.ok(bonds > 64, `${bonds} bonds for 64 silicon atoms`);
    const grey = await viewPixels(page, '(r, g, b) => Math.abs(r - 208) < 30 && Math.abs(g - 208) < 30 && Math.abs(b - 216) < 30');
    await page.uncheck('#bonds');
    await page.waitForTimeout(300);
    const greyWithout = await viewPixels(page, '(r, g, b) => Math.abs(r - 208) < 30 && Math.abs(g - 208) < 30 && Math.abs(b - 216) < 30');
    assert.ok(grey > greyWithout + 0.001, `bond-coloured pixels with bonds ${grey}, without ${greyWithout}`);
    await page.click('#fit');
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});

// A tiny PNG reader for page.screenshot (8-bit RGB or RGBA, as Chromium writes them): the pixels of
// a one-pixel-wide image as [[r, g, b], ...] from top to bottom.
async function pngReader() {
  const zlib = require('node:zlib');
  return {
    PNG: (buffer) => {
      let offset = 8;
      let width = 0;
      let height = 0;
      let channels = 4;
      const idat = [];
      while (offset < buffer.length) {
        const length = buffer.readUInt32BE(offset);
        const type = buffer.toString('ascii', offset + 4, offset + 8);
        const data = buffer.subarray(offset + 8, offset + 8 + length);
        if (type === 'IHDR') {
          width = data.readUInt32BE(0);
          height = data.readUInt32BE(4);
          assert.equal(data[8], 8, 'bit depth');
          assert.ok(data[9] === 6 || data[9] === 2, `colour type ${data[9]} (RGBA or RGB)`);
          channels = data[9] === 6 ? 4 : 3;
        }
        if (type === 'IDAT') idat.push(data);
        offset += 12 + length;
      }
      const raw = zlib.inflateSync(Buffer.concat(idat));
      const stride = channels * width;
      const rows = [];
      let previous = Buffer.alloc(stride);
      for (let y = 0; y < height; ++y) {
        const filter = raw[y * (stride + 1)];
        const line = Buffer.from(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)));
        for (let i = 0; i < stride; ++i) {
          const a = i >= channels ? line[i - channels] : 0;
          const b = previous[i];
          const c = i >= channels ? previous[i - channels] : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          const predictor = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][filter];
          line[i] = (line[i] + predictor) & 255;
        }
        rows.push([line[0], line[1], line[2]]);
        previous = line;
      }
      return rows;
    },
  };
}

// Any screen: a phone and a projector.
for (const [width, height, name] of [[390, 844, 'phone'], [1920, 1080, 'projector'], [1280, 800, 'laptop']]) {
  test(`at ${width}x${height} (${name}) the text is at least 14 CSS px and the 3D view is fully visible`, async () => {
    const page = await openApp('', { width, height });
    try {
      const smallest = await app(page, () => {
        let min = Infinity;
        for (const e of document.querySelectorAll('#controls label, #controls button, #controls p, #race td, header button, #energy, #colour-bar span, .u-legend')) {
          if (e.offsetParent !== null) min = Math.min(min, parseFloat(getComputedStyle(e).fontSize));
        }
        return min;
      });
      assert.ok(smallest >= 14, `smallest text ${smallest} CSS px`);
      const view = await page.locator('#viewport canvas').boundingBox();
      assert.ok(view.x >= 0 && view.y >= 0 && view.x + view.width <= width + 0.5 && view.y + view.height <= height + 0.5,
        `view ${JSON.stringify(view)} in ${width}x${height}`);
      assert.ok(view.width > 0.6 * width || view.height > 0.4 * height, `view ${JSON.stringify(view)}`);
      if (name === 'phone') {
        const panel = await page.locator('#controls').boundingBox();
        assert.ok(panel.y >= view.y + view.height - 1, 'the controls come below the view');
        assert.ok(panel.width <= width + 0.5, 'no sideways scrolling');
      } else {
        // The run controls are visible without scrolling.
        const run = await page.locator('#run').boundingBox();
        assert.ok(run.y + run.height <= height, `Run at ${run.y}`);
      }
      const lit = await viewPixels(page, '(r, g, b) => r + g + b > 120');
      assert.ok(lit > 0.02, `${(lit * 100).toFixed(1)}% of the view lit`);
      assert.deepEqual(page.errors, []);
    } finally {
      await page.close();
    }
  });
}

test('a share link with changed parameters carries them; nonsense in a link keeps a working page', async () => {
  const page = await openApp('#system=lj&n=13&seed=2&eq=100&steps=50&run=fire:dt_max=0.05');
  try {
    await waitAllDone(page);
    assert.deepEqual(await app(page, () => window.striderApp.state.applied), { system: 'lj', n: 13, seed: 2, equilibration: 100 });
    assert.match(await app(page, () => window.striderApp.shareLink()), /run=fire:dt_max=0\.05/);
  } finally {
    await page.close();
  }
  for (const [hash, expected] of [
    ['#system=lj&n=99999999', /n=99999999 is not a whole number in \[2, 5000\]/],
    ['#system=lj&n=10&run=fire:warp=2', /fire has no parameter 'warp'/],
    ['#system=sw-si&n=100&eq=10', /N must be 8 k\^3.*got 100/],
    ['#system=lj&n=13&eq=10&run=policy', /no policy is shipped for lj/],
  ]) {
    const bad = await openApp(hash);
    try {
      assert.match(await app(bad, () => window.striderApp.message()), expected, hash);
      assert.ok(Number.isFinite(await energy(bad)), `${hash}: an energy is still shown`);
      assert.equal(await app(bad, () => window.striderApp.state.applied.system), 'lj-binary', `${hash}: a working default`);
    } finally {
      await bad.close();
    }
  }
});

test('files: a broken one is refused; extxyz, a plain .xyz (system picked) and a LAMMPS data file load', async () => {
  const page = await openApp();
  try {
    const before = await energy(page);
    await dropFile(page, 'broken.xyz', '3\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX 1 1\n');
    await page.waitForFunction(() => /broken\.xyz/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    assert.match(await app(page, () => window.striderApp.message()), /broken\.xyz:\d+/);
    assert.equal(await energy(page), before);

    const r = 2 ** (1 / 6);
    await dropFile(page, 'dimer.xyz', `2\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX ${r} 0 0\n`);
    await page.waitForFunction(() => /dimer\.xyz: .*N = 2/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForTimeout(200);
    assert.ok(Math.abs((await energy(page)) + 0.5) < 1e-6, 'LJ dimer at its minimum: E/N = -1/2');

    // A plain xyz: the page asks for the system.
    await dropFile(page, 'plain.xyz', `3\na triangle from somewhere\nX 0 0 0\nX ${r} 0 0\nX ${r / 2} ${(r * Math.sqrt(3)) / 2} 0\n`);
    await page.waitForSelector('#system-picker[open]');
    await page.selectOption('#picker-system', 'lj');
    await page.click('#system-picker button[value=ok]');
    await page.waitForFunction(() => /plain\.xyz: .*N = 3/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForTimeout(200);
    assert.ok(Math.abs((await energy(page)) + 1) < 1e-6, 'LJ triangle of pair minima: E/N = -1');

    // A LAMMPS data file without strider's title: types 1 and 2 are A and B of lj-binary.
    const data = ['LAMMPS data file from elsewhere', '', '2 atoms', '2 atom types', '',
      '0 10 xlo xhi', '0 10 ylo yhi', '0 10 zlo zhi', '', 'Masses', '', '1 1', '2 1', '', 'Atoms # atomic', '',
      '1 1 1 1 1', `2 2 ${1 + 0.8 * r} 1 1`, ''].join('\n');
    await dropFile(page, 'pair.data', data);
    await page.waitForSelector('#system-picker[open]');
    await page.selectOption('#picker-system', 'lj-binary');
    await page.click('#system-picker button[value=ok]');
    await page.waitForFunction(() => /pair\.data: .*N = 2/.test(window.striderApp.message()), null, { timeout: TIMEOUT });
    await page.waitForTimeout(200);
    // A-B pair at its minimum 2^(1/6) sigma_AB (sigma_AB = 0.8, eps_AB = 1.5): E/N = -1.5/2,
    // less the cutoff shift, which lj-binary does not apply (unshifted).
    assert.ok(Math.abs((await energy(page)) + 0.75) < 1e-6, `A-B pair: ${await energy(page)}`);
    assert.deepEqual(page.errors, []);
  } finally {
    await page.close();
  }
});
