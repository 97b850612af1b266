// The same engine work in WebAssembly (Node and Debian's Chromium) and natively, printed
// as ratios (goal: wasm within 2x of native), and the page's own figures: time from
// navigation to the first energy shown, and optimiser steps per second it sustains while
// rendering at N = 100 and N = 1000. A benchmark, not a test: it prints, it never fails on speed.
//
//   node tests/benchmarks/wasm_vs_native.js build/strider build-wasm
// (no --no-experimental-fetch here: playwright-core needs fetch; the module gets its bytes directly)
//
// Work (one thread each): energy + forces of lj-binary N = 1000 and sw-si N = 512 (`strider
// bench`: the list built once, positions fixed); 300 FIRE 2.0 steps on lj-binary N = 1000
// (`strider minimize`); 20 policy steps of the shipped LJ-100 policy on lj-binary N = 100
// (`strider rollout`). Structures from `strider generate` (seed 1, 200 equilibration steps),
// read by both sides from the same files. Best of 3 runs per side.
'use strict';

const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.resolve(process.argv[2] || path.join(ROOT, 'build', 'strider'));
const WASM_BUILD = path.resolve(process.argv[3] || path.join(ROOT, 'build-wasm'));
const POLICY = path.join(ROOT, 'shared', 'policy-lj-binary-100.weights');
const RUNS = 3;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'strider-bench-'));
const cli = (...args) => JSON.parse(execFileSync(CLI, [...args, '--json'], { encoding: 'utf8' }));
function structure(system, n) {
  const out = path.join(scratch, `${system}-${n}`);
  execFileSync(CLI, ['generate', '--system', system, '--n', String(n), '--count', '1', '--seed', '1',
    '--equilibration', '200', '--out', out]);
  return path.join(out, '000.xyz');
}
const best = (f) => Math.min(...Array.from({ length: RUNS }, f));

const cases = [
  { name: 'energy+forces lj-binary N=1000', file: structure('lj-binary', 1000), kind: 'energy', repeat: 200 },
  { name: 'energy+forces sw-si N=512', file: structure('sw-si', 512), kind: 'energy', repeat: 200 },
  { name: 'FIRE 2.0 step lj-binary N=1000', file: null, kind: 'fire2', repeat: 300 },
  { name: 'policy step lj-binary N=100', file: structure('lj-binary', 100), kind: 'policy', repeat: 20 },
];
cases[2].file = cases[0].file;

// Seconds per unit of work natively.
function native(c) {
  if (c.kind === 'energy') return best(() => cli('bench', c.file, '--repeat', String(c.repeat)).seconds_per_evaluation);
  if (c.kind === 'fire2') return best(() => { const r = cli('minimize', c.file, '--optimizer', 'fire2', '--steps', String(c.repeat)); return r.seconds / r.steps; });
  return best(() => cli('rollout', POLICY, c.file, '--steps', String(c.repeat)).seconds_per_step);
}

// The same work through the embind API; runs in Node and, as a string, in the page.
// Seconds per unit, best of `runs` (a fresh engine each run).
function wasmWork(M, text, kind, repeat, policyText, runs) {
  const times = [];
  for (let run = 0; run < runs; ++run) {
    const engine = new M.Engine(text);
    try {
      if (kind === 'policy') {
        engine.loadPolicy(policyText, 'policy.weights');
        engine.start('policy', { seed: 1 });
      } else if (kind === 'fire2') {
        engine.start('fire2', {});
      }
      const t0 = performance.now();
      for (let k = 0; k < repeat; ++k) {
        if (kind === 'energy') engine.evaluate();
        else engine.step();
      }
      times.push((performance.now() - t0) / 1000 / repeat);
    } finally {
      engine.delete();
    }
  }
  return Math.min(...times);
}

async function main() {
  const wasmDir = path.join(WASM_BUILD, 'web');
  const M = await require(path.join(wasmDir, 'strider_engine.js'))({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'strider_engine.wasm')) });
  const policyText = fs.readFileSync(POLICY, 'utf8');

  const { launch } = require(path.join(ROOT, 'tests', 'browser', 'browser.js'));
  const { serveFolder } = require(path.join(ROOT, 'tests', 'browser', 'static_server.js'));
  const site = await serveFolder(path.join(WASM_BUILD, 'site'));
  const browser = await launch();
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const t0 = Date.now();
  await page.goto(site.url);
  await page.waitForFunction(() => window.striderApp && window.striderApp.ready, null, { timeout: 120000 });
  const firstEnergyMs = await page.evaluate(() => window.striderApp.timing().firstEnergyAt);
  const readyWallMs = Date.now() - t0;
  await page.evaluate(() => window.striderApp.perform('pause'));

  console.log('| work | native ms | wasm Node ms | wasm Chromium ms | Node / native | Chromium / native |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const c of cases) {
    const text = fs.readFileSync(c.file, 'utf8');
    const n = native(c);
    const node = wasmWork(M, text, c.kind, c.repeat, policyText, RUNS);
    const chromium = await page.evaluate(
      ([source, t, kind, repeat, p, runs]) => (0, eval)(`(${source})`)(window.striderApp.engineModule, t, kind, repeat, p, runs),
      [wasmWork.toString(), text, c.kind, c.repeat, policyText, RUNS]);
    const ms = (s) => (s * 1000).toFixed(3);
    console.log(`| ${c.name} | ${ms(n)} | ${ms(node)} | ${ms(chromium)} | ${(node / n).toFixed(2)} | ${(chromium / n).toFixed(2)} |`);
  }

  // Steps per second the page sustains while rendering (FIRE, the default), over 5 s.
  const rates = [];
  for (const n of [100, 1000]) {
    await page.evaluate((atoms) => window.striderApp.generate({ system: 'lj-binary', n: atoms, seed: 1, equilibration: 200 }), n);
    await page.evaluate(() => { window.striderApp.state.maxSteps = 1e7; window.striderApp.perform('run'); });
    await page.waitForTimeout(1000);
    const a = await page.evaluate(() => {
      window.striderApp.timing().resetLongest();
      return { steps: window.striderApp.raceTable()[0].steps, frames: window.striderApp.timing().frames, t: performance.now() };
    });
    await page.waitForTimeout(5000);
    const b = await page.evaluate(() => ({
      steps: window.striderApp.raceTable()[0].steps, frames: window.striderApp.timing().frames, t: performance.now(),
      longest: window.striderApp.timing().longestFrameMs,
    }));
    await page.evaluate(() => window.striderApp.perform('pause'));
    const seconds = (b.t - a.t) / 1000;
    rates.push({ n, steps: (b.steps - a.steps) / seconds, fps: (b.frames - a.frames) / seconds, longest: b.longest });
  }
  console.log('');
  console.log(`page: navigation to the first energy shown ${firstEnergyMs.toFixed(0)} ms (page ready after ${readyWallMs} ms wall)`);
  for (const r of rates) {
    console.log(`page: FIRE at N = ${r.n}: ${r.steps.toFixed(0)} steps/s while rendering at ${r.fps.toFixed(1)} frames/s` +
      ` (longest frame ${r.longest.toFixed(0)} ms)`);
  }
  await browser.close();
  await site.close();
  fs.rmSync(scratch, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
