// The page's share links (web/app/setup.js) under Node: a link's fields come back as
// written, and every kind of nonsense is refused with a message naming the field.
'use strict';

const assert = require('node:assert/strict');
const path = require('node:path');
const test = require('node:test');
const { pathToFileURL } = require('node:url');

const SETUP = pathToFileURL(path.resolve(__dirname, '..', '..', 'web', 'app', 'setup.js')).href;
const FALLBACK = { system: 'lj-binary', n: 100, seed: 1, equilibration: 1000 };

// setup.js with its system and driver lists: the page asks the engine (useEngineLists); these
// tests hand it the names, so they run without the wasm build.
async function setupModule() {
  const setup = await import(SETUP);
  setup.useEngineLists({ Engine: {
    knownSystems: () => ['lj-binary', 'sw-si', 'csh', 'lj'].map((key) => ({ key })),
    driverNames: () => ['gd', 'adam', 'fire', 'fire2', 'lbfgs', 'basin-hopping', 'policy'],
  } });
  return setup;
}

test('a link gives back its setup, step budget and optimisers with their parameters', async () => {
  const { parseShareHash } = await setupModule();
  const link = parseShareHash('#system=sw-si&n=64&seed=7&eq=50&steps=300&run=fire:dt_start=0.05,dt_max=0.2;lbfgs;policy:seed=3',
    FALLBACK);
  assert.deepEqual(link.setup, { system: 'sw-si', n: 64, seed: 7, equilibration: 50 });
  assert.equal(link.maxSteps, 300);
  assert.deepEqual(link.run, [
    { name: 'fire', params: { dt_start: 0.05, dt_max: 0.2 } },
    { name: 'lbfgs', params: {} },
    { name: 'policy', params: { seed: 3 } },
  ]);
  // Missing fields take the current setup; a missing run is FIRE.
  const bare = parseShareHash('#system=lj', FALLBACK);
  assert.deepEqual(bare.setup, { ...FALLBACK, system: 'lj' });
  assert.deepEqual(bare.run, [{ name: 'fire', params: {} }]);
});

test('nonsense in a link is refused with a message naming the field', async () => {
  const { parseShareHash } = await setupModule();
  for (const [hash, expected] of [
    ['#system=water', /unknown system 'water'/],
    ['#n=abc', /n=abc is not a whole number/],
    ['#n=-4', /n=-4 is not a whole number/],
    ['#n=1', /n=1 is not a whole number in \[2, 5000\]/],
    ['#n=99999999', /n=99999999 is not a whole number in \[2, 5000\]/],
    ['#seed=1.5', /seed=1.5/],
    ['#eq=1e9', /eq=1e9/],
    ['#steps=0', /steps=0/],
    ['#run=newton', /unknown optimiser 'newton'/],
    ['#run=fire:dt_max=x', /fire parameter 'dt_max=x' is not NAME=NUMBER/],
    ['#run=fire:dt_max', /fire parameter 'dt_max'/],
    ['#run=fire:dt_max=', /fire parameter 'dt_max='/],
    ['#run=fire:dt_max=Infinity', /fire parameter 'dt_max=Infinity'/],
  ]) {
    assert.throws(() => parseShareHash(hash, FALLBACK), (e) => e instanceof Error && expected.test(e.message), hash);
  }
});
