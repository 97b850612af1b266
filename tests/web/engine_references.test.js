// The WebAssembly engine (web/bindings.cpp) against the LAMMPS references that the
// native suite uses (tests/references/*.json), plus its JS-facing behaviour: errors
// arrive as JS Errors with the engine's message, positions can be moved.
//
//   STRIDER_WASM_DIR=build-wasm/web node --no-experimental-fetch --test tests/web/
//
// STRIDER_WASM_DIR is the folder holding strider_engine.js and .wasm (default
// build-wasm/web of this checkout). A missing module fails every test: never a skip.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const test = require('node:test');

const ROOT = path.resolve(__dirname, '..', '..');
const REFERENCES = path.join(ROOT, 'tests', 'references');
const WASM_DIR = path.resolve(process.env.STRIDER_WASM_DIR || path.join(ROOT, 'build-wasm', 'web'));
const RELATIVE_TOLERANCE = 1e-9;

// The module, instantiated once; its wasm bytes are handed over directly, so the
// loader never needs fetch().
let modulePromise;
function strider() {
  if (!modulePromise) {
    const js = path.join(WASM_DIR, 'strider_engine.js');
    const wasm = path.join(WASM_DIR, 'strider_engine.wasm');
    for (const file of [js, wasm]) {
      assert.ok(fs.existsSync(file), `${file} is missing: build it with \`make wasm\``);
    }
    modulePromise = require(js)({ wasmBinary: fs.readFileSync(wasm) });
  }
  return modulePromise;
}

// Every |actual - expected| within RELATIVE_TOLERANCE * max(max |expected|, 1).
function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(1, ...expected.map(Math.abs));
  expected.forEach((e, k) => {
    const error = Math.abs(actual[k] - e);
    assert.ok(error <= RELATIVE_TOLERANCE * scale,
      `${what}[${k}]: ${actual[k]} vs reference ${e} (error ${error}, allowed ${RELATIVE_TOLERANCE * scale})`);
  });
}

// A reference case's structure loaded with the case's system and options.
function loadCase(M, reference) {
  const text = fs.readFileSync(path.join(REFERENCES, reference.structure), 'utf8');
  return new M.Engine(text, {
    system: reference.system,
    shift: reference.options.shift,
    cutoff: reference.options.cutoff,
    name: reference.structure,
  });
}

const referenceFiles = fs.existsSync(REFERENCES)
  ? fs.readdirSync(REFERENCES).filter((f) => f.endsWith('.json')).sort()
  : [];

test('the reference set is complete (at least 14 cases)', () => {
  assert.ok(referenceFiles.length >= 14, `only ${referenceFiles.length} reference files in ${REFERENCES}`);
});

for (const file of referenceFiles) {
  test(`reference ${file}`, async () => {
    const M = await strider();
    const reference = JSON.parse(fs.readFileSync(path.join(REFERENCES, file), 'utf8'));
    const engine = loadCase(M, reference);
    try {
      assert.equal(engine.system(), reference.system);
      assert.equal(engine.size(), reference.per_atom_energy.length);
      assertClose([engine.energy()], [reference.energy], 'energy');
      assertClose(Array.from(engine.perAtomEnergies()), reference.per_atom_energy, 'per-atom energy');
      assertClose(Array.from(engine.forces()), reference.forces.flat(), 'forces');
    } finally {
      engine.delete();
    }
  });
}

test('malformed input throws a JS Error with the engine message', async () => {
  const M = await strider();
  const truncated = '3\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"\nSi 0 0 0\nSi 1 1\n';
  assert.throws(() => new M.Engine(truncated, { system: 'sw-si', name: 'bad.xyz' }),
    (e) => e instanceof Error && /^bad\.xyz:\d+: \S/.test(e.message));
  assert.throws(() => new M.Engine('not a structure', { system: 'sw-si', name: 'bad.xyz' }),
    (e) => e instanceof Error && e.message.startsWith('bad.xyz'));
  const dimer = '2\nProperties=species:S:1:pos:R:3 pbc="F F F"\nX 0 0 0\nX 1.5 0 0\n';
  assert.throws(() => new M.Engine(dimer, { system: 'no-such-system' }),
    (e) => e instanceof Error && e.message.includes('no-such-system') && e.message.includes('sw-si'));
  assert.throws(() => new M.Engine(dimer), (e) => e instanceof Error && /system/.test(e.message));
  assert.throws(() => new M.Engine(dimer, { system: 'sw-si' }), (e) => e instanceof Error && e.message.includes('X'));

  // The module survives its errors.
  const engine = new M.Engine(dimer, { system: 'lj' });
  try {
    assert.throws(() => engine.setPositions([0, 0, 0, NaN, 0, 0]), /not finite/);
    assert.throws(() => engine.setPositions([0, 0, 0]), /expected 3 x 2/);
    const r = 1.5;
    assert.ok(Math.abs(engine.energy() - 4 * (r ** -12 - r ** -6)) < 1e-12);
  } finally {
    engine.delete();
  }
});

test('positions move through setPositions and the positions view', async () => {
  const M = await strider();
  const dimer = '2\nProperties=species:S:1:pos:R:3 pbc="F F F" system=lj\nX 0 0 0\nX 1.5 0 0\n';
  const engine = new M.Engine(dimer);
  try {
    assert.equal(engine.system(), 'lj');
    assert.deepEqual(Array.from(engine.positions()), [0, 0, 0, 1.5, 0, 0]);
    assert.deepEqual(Array.from(engine.species()), [0, 0]);
    assert.deepEqual(engine.speciesNames(), ['X']);
    assert.deepEqual(engine.box().periodic, [false, false, false]);

    // The LJ minimum: r = 2^(1/6), energy -1, zero force.
    const rmin = 2 ** (1 / 6);
    assert.ok(Math.abs(engine.setPositions(new Float64Array([0, 0, 0, rmin, 0, 0])) + 1) < 1e-12);
    assert.ok(Math.abs(engine.energyPerAtom() + 0.5) < 1e-12);
    engine.forces().forEach((f) => assert.ok(Math.abs(f) < 1e-12));
    assertClose(Array.from(engine.perAtomEnergies()), [-0.5, -0.5], 'per-atom energy');

    // Written through the view, then evaluated.
    engine.positions()[3] = 1.5;
    const r = 1.5;
    assert.ok(Math.abs(engine.evaluate() - 4 * (r ** -12 - r ** -6)) < 1e-12);
    const fx = 24 * (2 * r ** -13 - r ** -7);  // -dV/dr on atom 1, along +x
    assertClose(Array.from(engine.forces()), [-fx, 0, 0, fx, 0, 0], 'forces');
  } finally {
    engine.delete();
  }
});

test('a rigid translation of a periodic reference leaves its energy unchanged', async () => {
  const M = await strider();
  const file = referenceFiles.find((f) => f.startsWith('sw-si')) || referenceFiles[0];
  assert.ok(file, 'no reference case to translate');
  const reference = JSON.parse(fs.readFileSync(path.join(REFERENCES, file), 'utf8'));
  const engine = loadCase(M, reference);
  try {
    const moved = engine.positions().map((x, k) => x + [0.37, -1.21, 2.9][k % 3]);
    engine.setPositions(moved);
    assertClose([engine.energy()], [reference.energy], 'energy after translation');
  } finally {
    engine.delete();
  }
});

test('knownSystems lists the four systems', async () => {
  const M = await strider();
  const keys = M.Engine.knownSystems().map((s) => s.key);
  for (const key of ['lj-binary', 'sw-si', 'csh', 'lj']) assert.ok(keys.includes(key), `${key} in ${keys}`);
  assert.match(M.version(), /^\d+\.\d+\.\d+$/);
});
