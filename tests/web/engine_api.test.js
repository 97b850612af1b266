// The page's engine API (web/bindings.cpp: generate, optimisers step by step, policy,
// drag, shake, extxyz) against the native CLI, which this test runs itself: the same
// structures from the same seeds, the same optimiser trajectories, the same policy steps.
//
//   STRIDER_WASM_DIR=build-wasm/web STRIDER_CLI=build/strider \
//     node --no-experimental-fetch --test tests/web/
//
// A missing module or CLI fails every test: never a skip.
'use strict';

const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const test = require('node:test');

const ROOT = path.resolve(__dirname, '..', '..');
const WASM_DIR = path.resolve(process.env.STRIDER_WASM_DIR || path.join(ROOT, 'build-wasm', 'web'));
const CLI = path.resolve(process.env.STRIDER_CLI || path.join(ROOT, 'build', 'strider'));
const POLICY = path.join(ROOT, 'shared', 'policy-lj-binary-100.weights');
// wasm and x86-64 round alike, but sums may run in another order (SIMD): over tens of
// chaotic steps the last digits drift, far below any difference of algorithm.
const POSITION_TOLERANCE = 1e-7;

let modulePromise;
function strider() {
  if (!modulePromise) {
    const js = path.join(WASM_DIR, 'strider_engine.js');
    const wasm = path.join(WASM_DIR, 'strider_engine.wasm');
    for (const file of [js, wasm]) assert.ok(fs.existsSync(file), `${file} is missing: build it with \`make wasm\``);
    modulePromise = require(js)({ wasmBinary: fs.readFileSync(wasm) });
  }
  return modulePromise;
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'strider-web-'));
test.after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// Runs the native CLI; returns stdout (throws with its stderr on a non-zero status).
function cli(...args) {
  assert.ok(fs.existsSync(CLI), `${CLI} is missing: build it with \`make build\``);
  return execFileSync(CLI, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

// The structure `strider generate` writes for these settings (file path).
function generated(system, n, seed, equilibration) {
  const out = path.join(scratch, `${system}-${n}-${seed}-${equilibration}`);
  if (!fs.existsSync(path.join(out, '000.xyz'))) {
    cli('generate', '--system', system, '--n', String(n), '--count', '1', '--seed', String(seed),
      '--equilibration', String(equilibration), '--out', out);
  }
  return path.join(out, '000.xyz');
}

// The frames of an extxyz file as arrays of 3N positions (plain text parsing, independent of the engine).
function framesOf(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const frames = [];
  for (let k = 0; k < lines.length && lines[k].trim() !== '';) {
    const n = Number(lines[k]);
    const xyz = [];
    for (let i = 0; i < n; ++i) xyz.push(...lines[k + 2 + i].trim().split(/\s+/).slice(1, 4).map(Number));
    frames.push(xyz);
    k += n + 2;
  }
  return frames;
}

function assertPositionsClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let k = 0; k < expected.length; ++k) worst = Math.max(worst, Math.abs(actual[k] - expected[k]));
  assert.ok(worst <= POSITION_TOLERANCE, `${what}: positions differ by up to ${worst}`);
}

function withEngine(engine, body) {
  try {
    return body(engine);
  } finally {
    engine.delete();
  }
}

for (const [system, n, seed, equilibration] of [['lj-binary', 100, 3, 300], ['sw-si', 64, 2, 100], ['lj', 13, 5, 200]]) {
  test(`generate ${system} N=${n} seed ${seed} is the CLI's structure`, async () => {
    const M = await strider();
    const file = generated(system, n, seed, equilibration);
    withEngine(M.Engine.generate({ system, n, seed, equilibration }), (made) => {
      assert.equal(made.size(), n);
      assert.equal(made.system(), system);
      assertPositionsClose(Array.from(made.positions()), framesOf(file)[0], 'generated');
      const fileEnergy = Number(/energy=(\S+)/.exec(fs.readFileSync(file, 'utf8'))[1]);
      assert.ok(Math.abs(made.energy() - fileEnergy) <= 1e-7 * Math.abs(fileEnergy), `${made.energy()} vs ${fileEnergy}`);
    });
    // Another seed is another structure (the comparison above can fail).
    withEngine(M.Engine.generate({ system, n, seed: seed + 1, equilibration }), (other) => {
      assert.throws(() => assertPositionsClose(Array.from(other.positions()), framesOf(file)[0], 'other seed'));
    });
  });
}

for (const [optimizer, parameters, set] of [
  ['fire', { dt_max: 0.02 }, 'dt_max=0.02'],
  ['fire2', {}, ''],
  ['lbfgs', {}, ''],
  ['gd', { learning_rate: 2e-4 }, 'learning_rate=0.0002'],
  ['adam', {}, ''],
]) {
  test(`${optimizer} steps follow the CLI's trajectory`, async () => {
    const M = await strider();
    const file = generated('lj-binary', 100, 3, 300);
    const trajectory = path.join(scratch, `${optimizer}.xyz`);
    const args = ['minimize', file, '--optimizer', optimizer, '--steps', '40', '--trajectory', trajectory, '--json'];
    if (set) args.push('--set', set);
    const summary = JSON.parse(cli(...args));
    const frames = framesOf(trajectory);
    assert.equal(frames.length, 41);
    withEngine(new M.Engine(fs.readFileSync(file, 'utf8'), { name: 'start.xyz' }), (engine) => {
      const first = engine.start(optimizer, parameters);
      assert.equal(first.step, 0);
      assert.equal(engine.driver(), optimizer);
      let report;
      for (let step = 1; step <= 40; ++step) {
        report = engine.step();
        assert.equal(report.step, step);
        assertPositionsClose(Array.from(engine.positions()), frames[step], `${optimizer} step ${step}`);
      }
      assert.ok(Math.abs(report.energy - summary.final_energy) <= 1e-8 * Math.abs(summary.final_energy),
        `final energy ${report.energy} vs CLI ${summary.final_energy}`);
      assert.equal(report.evaluations, summary.evaluations);
      assert.ok(report.energy < first.energy, 'the optimiser lowered the energy');
      // The energy shown is the energy of the positions shown (an independent evaluation).
      withEngine(new M.Engine(engine.toExtxyz()), (copy) => {
        assert.ok(Math.abs(copy.energy() - engine.energy()) <= 1e-9 * Math.abs(copy.energy()));
        assert.equal(engine.energy(), report.energy);
      });
    });
  });
}

test('policy steps are the steps of `strider rollout` with the same seed', async () => {
  const M = await strider();
  const file = generated('lj-binary', 100, 3, 300);
  const summary = JSON.parse(cli('rollout', POLICY, file, '--steps', '6', '--seed', '4', '--json'));
  const expected = summary.energies;
  withEngine(new M.Engine(fs.readFileSync(file, 'utf8')), (engine) => {
    assert.throws(() => engine.start('policy', {}), /no policy loaded/);
    assert.ok(engine.loadPolicy(fs.readFileSync(POLICY, 'utf8'), 'policy.weights') > 1000);
    const energies = [engine.start('policy', { seed: 4 }).energy];
    let report;
    for (let t = 0; t < 6; ++t) {
      report = engine.step();
      energies.push(report.energy);
    }
    assert.equal(report.evaluations, summary.evaluations, 'evaluations counted as the CLI counts them');
    energies.forEach((e, t) => assert.ok(Math.abs(e - expected[t]) <= 1e-8 * Math.abs(expected[t]),
      `step ${t}: ${e} vs CLI ${expected[t]}`));
  });
});

test('adaptation epochs are the epochs of `strider adapt` with one seed', async () => {
  const M = await strider();
  const file = generated('lj-binary', 20, 7, 200);
  const expected = JSON.parse(cli('adapt', POLICY, file, '--epochs', '2', '--seeds', '1', '--seed', '3', '--json'));
  withEngine(new M.Engine(fs.readFileSync(file, 'utf8')), (engine) => {
    engine.loadPolicy(fs.readFileSync(POLICY, 'utf8'), 'policy.weights');
    const run = engine.adapt(2, { seed: 3 });
    assert.equal(run.startEnergies.length, 3);
    assert.ok(Math.abs(run.finalEnergy - expected.final_energy) <= 1e-8 * Math.abs(expected.final_energy),
      `${run.finalEnergy} vs CLI ${expected.final_energy}`);
    assert.ok(Math.abs(engine.energy() - run.finalEnergy) <= 1e-9 * Math.abs(run.finalEnergy));
  });
});

test('adaptation a frame at a time (adapt(1) per call) is one `strider adapt` run: Adam state and start carry over', async () => {
  const M = await strider();
  const file = generated('lj-binary', 20, 7, 200);
  const expected = JSON.parse(cli('adapt', POLICY, file, '--epochs', '4', '--seeds', '1', '--seed', '3', '--json'));
  withEngine(new M.Engine(fs.readFileSync(file, 'utf8')), (engine) => {
    engine.loadPolicy(fs.readFileSync(POLICY, 'utf8'), 'policy.weights');
    let run;
    for (let e = 0; e < 4; ++e) run = engine.adapt(1, { seed: 3 });
    assert.equal(run.epochs, 4);
    assert.equal(run.startEnergies.length, 5);
    assert.ok(Math.abs(run.finalEnergy - expected.final_energy) <= 1e-8 * Math.abs(expected.final_energy),
      `${run.finalEnergy} vs CLI ${expected.final_energy}`);
    // Moving an atom starts a new run from there.
    const p = engine.positions().slice();
    p[0] += 0.01;
    engine.setPositions(p);
    assert.equal(engine.adapt(1, { seed: 3 }).epochs, 1);
  });
});

test('a policy for another system is refused and the engine keeps its state', async () => {
  const M = await strider();
  withEngine(M.Engine.generate({ system: 'sw-si', n: 64, seed: 1, equilibration: 10 }), (engine) => {
    const before = engine.energy();
    assert.throws(() => engine.loadPolicy(fs.readFileSync(POLICY, 'utf8'), 'p.weights'), /for lj-binary.*sw-si/);
    assert.throws(() => engine.loadPolicy('strider-policy-weights 1\n{', 'broken.weights'), /broken\.weights/);
    assert.throws(() => engine.start('newton', {}), /newton/);
    assert.throws(() => engine.start('fire', { dt_sideways: 1 }), /dt_sideways/);
    assert.throws(() => engine.start('fire', { dt_max: 'big' }), /number/);
    assert.throws(() => engine.step(), /no optimiser started/);
    assert.throws(() => engine.moveAtom(64, 0, 0, 0), /out of range/);
    assert.throws(() => engine.moveAtom(0, NaN, 0, 0), /not finite/);
    assert.throws(() => M.Engine.generate({ system: 'sw-si', n: 65 }), /65|8 k/);
    assert.throws(() => M.Engine.generate({ system: 'lj', n: 10, seed: -1 }), /seed/);
    assert.equal(engine.energy(), before);
    assert.equal(engine.hasPolicy(), false);
  });
});

test('moveAtom moves one atom, re-evaluates and restarts the optimiser', async () => {
  const M = await strider();
  withEngine(M.Engine.generate({ system: 'lj', n: 13, seed: 2, equilibration: 100 }), (engine) => {
    engine.start('fire', {});
    for (let k = 0; k < 5; ++k) engine.step();
    const moved = Array.from(engine.positions());
    moved[0] += 0.3;
    const energy = engine.moveAtom(0, moved[0], moved[1], moved[2]);
    assertPositionsClose(Array.from(engine.positions()), moved, 'after the move');
    // The same positions read by a fresh engine give the same energy.
    const text = engine.toExtxyz();
    withEngine(new M.Engine(text), (copy) => assert.ok(Math.abs(copy.energy() - energy) <= 1e-12 * Math.abs(energy)));
    assert.equal(engine.step().step, 1, 'the optimiser restarted from the moved structure');
  });
});

test('shake heats the structure reproducibly per seed and the optimiser goes on', async () => {
  const M = await strider();
  withEngine(M.Engine.generate({ system: 'lj-binary', n: 100, seed: 1, equilibration: 100 }), (engine) => {
    engine.start('fire2', {});
    for (let k = 0; k < 100; ++k) engine.step();
    const relaxed = engine.energy();
    const a = engine.clone();
    const b = engine.clone();
    const c = engine.clone();
    try {
      a.shake(2.0, 20, 7);
      b.shake(2.0, 20, 7);
      c.shake(2.0, 20, 8);
      assert.ok(a.energy() > relaxed, `heated ${a.energy()} above relaxed ${relaxed}`);
      assert.deepEqual(Array.from(a.positions()), Array.from(b.positions()));
      assert.notDeepEqual(Array.from(a.positions()), Array.from(c.positions()));
    } finally {
      [a, b, c].forEach((e) => e.delete());
    }
    engine.shake(2.0, 20, 7);
    assert.equal(engine.step().step, 1);
  });
});

test('basin hopping: each step is a hop; the structure shown has the energy shown', async () => {
  const M = await strider();
  withEngine(M.Engine.generate({ system: 'lj', n: 13, seed: 3, equilibration: 100 }), (engine) => {
    const start = engine.energy();
    const first = engine.start('basin-hopping', { seed: 2 });
    assert.ok(first.energy < start, 'init minimises locally');
    for (let k = 0; k < 4; ++k) {
      const r = engine.step();
      assert.equal(r.step, k + 1);
      assert.ok(r.energy <= first.energy + 1e-9 || r.energy < start);
      withEngine(new M.Engine(engine.toExtxyz()), (copy) =>
        assert.ok(Math.abs(copy.energy() - engine.energy()) <= 1e-9 * Math.abs(copy.energy())));
    }
    assert.throws(() => engine.start('basin-hopping', { heat: 1 }), /heat/);
  });
});

test('optimizerParameters lists the paper preset; driverNames lists every driver', async () => {
  const M = await strider();
  const fire = M.Engine.optimizerParameters('fire', 'sw-si');
  assert.equal(fire.find((p) => p.name === 'dt_start').value, 0.5);
  assert.deepEqual(M.Engine.driverNames(), ['gd', 'adam', 'fire', 'fire2', 'lbfgs', 'basin-hopping', 'policy']);
  assert.throws(() => M.Engine.optimizerParameters('fire', 'water'), /water/);
});

// The numbers of a weight file after its header (the parameters), as text lines.
const parameterLines = (text) => text.slice(text.indexOf('\nparameters ')).split('\n');

test('policyWeights after adaptation are the weights `strider adapt --policy-out` writes', async () => {
  const M = await strider();
  const file = generated('lj-binary', 20, 7, 200);
  const out = path.join(scratch, 'adapted.weights');
  cli('adapt', POLICY, file, '--epochs', '3', '--seeds', '1', '--seed', '3', '--policy-out', out);
  withEngine(new M.Engine(fs.readFileSync(file, 'utf8')), (engine) => {
    const shipped = fs.readFileSync(POLICY, 'utf8');
    engine.loadPolicy(shipped, 'policy.weights');
    assert.deepEqual(parameterLines(engine.policyWeights()), parameterLines(shipped), 'unadapted: the file read');
    engine.adapt(3, { seed: 3 });
    const mine = parameterLines(engine.policyWeights());
    const cliLines = parameterLines(fs.readFileSync(out, 'utf8'));
    assert.equal(mine.length, cliLines.length);
    assert.equal(mine[1], cliLines[1], 'the parameter count line');
    // The same run to 1e-8 (wasm and native sum in other orders: see POSITION_TOLERANCE).
    let worst = 0;
    for (let k = 2; k < mine.length; ++k) {
      if (mine[k] === 'end' || mine[k] === '') {
        assert.equal(mine[k], cliLines[k]);
        continue;
      }
      worst = Math.max(worst, Math.abs(Number(mine[k]) - Number(cliLines[k])) / Math.max(1, Math.abs(Number(cliLines[k]))));
    }
    assert.ok(worst < 1e-8, `largest parameter difference ${worst}`);
  });
  withEngine(new M.Engine(fs.readFileSync(file, 'utf8')), (engine) => {
    assert.throws(() => engine.policyWeights(), /no policy loaded/);
  });
});

test('a LAMMPS data file reads as the extxyz it was converted from; without strider\'s title it needs the system', async () => {
  const M = await strider();
  const file = generated('lj-binary', 30, 2, 100);
  const data = path.join(scratch, 'lj30.data');
  cli('convert', file, data);
  const text = fs.readFileSync(data, 'utf8');
  const reference = new M.Engine(fs.readFileSync(file, 'utf8'));
  const expected = reference.energy();
  reference.delete();
  withEngine(new M.Engine(text, { format: 'lammps-data', name: 'lj30.data' }), (engine) => {
    assert.equal(engine.system(), 'lj-binary');
    assert.ok(Math.abs(engine.energy() - expected) <= 1e-9 * Math.abs(expected), `${engine.energy()} vs ${expected}`);
  });
  const untitled = ['from elsewhere', ...text.split('\n').slice(1)].join('\n');
  assert.throws(() => new M.Engine(untitled, { format: 'lammps-data', name: 'other.data' }), /other\.data/);
  withEngine(new M.Engine(untitled, { format: 'lammps-data', name: 'other.data', system: 'lj-binary' }), (engine) => {
    assert.ok(Math.abs(engine.energy() - expected) <= 1e-9 * Math.abs(expected));
  });
  assert.throws(() => new M.Engine(text, { format: 'pdb' }), /unknown format 'pdb'/);
});
