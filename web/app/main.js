// The page: loads the engine module, keeps the run state, carries out the controls'
// actions and draws every animation frame. window.striderApp is a small API for the
// browser tests (tests/browser/) and the benchmarks.
import { Lane, laneColour } from './lanes.js';
import {
  DRIVERS, MAX_ATOMS, POLICIES, defaultParameters, parameterObject, parseShareHash, shareHash, systemInfo, useEngineLists,
} from './setup.js';
import { Viewport } from './viewport.js';
import { EnergyPlot } from './plot.js';
import { Controls } from './controls.js';
import { Server } from './server.js';
import { readStructure } from './files.js';

// Compute per animation frame, all lanes together: 12 ms, or as long as the last frame's
// drawing took if that was longer (a software-rendered WebGL then still leaves half of
// the time to the optimisers).
const FRAME_BUDGET_MS = 12;
const ADAPT_MAX_ATOMS = 300;      // adaptation in the page is for small systems
const SHAKE_STEPS = 20;           // MD steps per shake
const PLOT_INTERVAL_MS = 250;     // the plot is redrawn at most this often
// A dragged atom is held at the pointer, but no closer to another atom than this fraction
// of its nearest-neighbour distance when it was grabbed: its force stays moderate, so the
// optimisers go on from there instead of flinging atoms apart.
const DRAG_CLOSEST = 0.85;

const messageElement = document.getElementById('message');
const energyElement = document.getElementById('energy');

// Shows a message; errors are marked (class "error") and logged as warnings, not errors,
// because bad input is expected and handled.
function say(text, isError = false) {
  messageElement.textContent = text;
  messageElement.className = isError ? 'error' : '';
  if (isError) console.warn(text);
}

const M = await window.striderModule;  // started by index.html
useEngineLists(M);  // the systems (and what the engine says of each) and the drivers, before any control

const state = {
  setup: { system: 'lj-binary', n: 100, seed: 1, equilibration: 1000 },  // the form
  applied: null,          // the setup of the structure on screen ({..., file} when it came from a file)
  drivers: [],            // [{name, label, enabled, params: [{name, value, help}], unavailable}]
  running: false,
  adapting: false,
  busy: false,            // generating or opening a result: no compute, Generate disabled
  maxSteps: 1000,
  shakeTemperature: systemInfo('lj-binary').shakeTemperature,
  shakeSystem: 'lj-binary',  // the system shakeTemperature was set for (a new system sets its default)
  shown: 'fire',          // the lane shown in 3D and exported
  adaptStatus: '',        // "adapting: epoch E, E/N ..."
};
let start = null;         // the Engine every lane copies
let lanes = [];           // Lane objects, in the order of state.drivers
const policyTexts = new Map();  // shipped policy file -> its text
let adapted = null;       // {text, source, system}: the adapted (or loaded) policy weights
let adaptEpochs = 0;
let shakes = 0;
let firstEnergyAt = null;
let playback = null;      // {engine, frames}: a server trajectory shown instead of the lanes
let held = null;          // {lane, atom, target: [x, y, z], closest}: the atom being dragged

const policyFor = (system) => POLICIES.find((p) => p.system === system);

async function policyText(system) {
  const entry = policyFor(system);
  if (!entry) throw new Error(`no policy is shipped for ${system}`);
  if (!policyTexts.has(entry.file)) {
    const response = await fetch(entry.file);
    if (!response.ok) throw new Error(`${entry.file}: HTTP ${response.status}`);
    policyTexts.set(entry.file, await response.text());
  }
  return policyTexts.get(entry.file);
}

// The optimiser list for `system`, ticking `enabled` (names) where offered; parameters kept
// from `previous` drivers of the same system.
function setDrivers(system, enabled, previous = []) {
  const keep = previous.length && previous.system === system;
  const list = [...DRIVERS, 'adapted'].filter((name) => name !== 'adapted' || (adapted && adapted.system === system)).map((name) => {
    const old = keep ? previous.find((d) => d.name === name) : null;
    const entry = policyFor(system);
    const unavailable = name === 'policy' && !entry ? `no policy is shipped for ${system} (load weights to race one)` : '';
    const label = name === 'policy' && entry ? `policy (StriderNET, shipped, ${entry.trainedOn})`
      : name === 'adapted' ? `adapted policy (${adapted.source})` : name;
    return {
      name, label, unavailable, enabled: !unavailable && enabled.includes(name),
      params: old ? old.params : defaultParameters(M, name === 'adapted' ? 'policy' : name, system),
    };
  });
  list.system = system;
  state.drivers = list;
}

// A lane for driver `d`, copied from `start`.
async function makeLane(d) {
  const policy = d.name === 'policy' ? { text: await policyText(start.system()), source: policyFor(start.system()).file }
    : d.name === 'adapted' ? { text: adapted.text, source: adapted.source } : null;
  const lane = new Lane(start, d.name, d.name === 'adapted' ? 'policy' : d.name, parameterObject(d.params), policy);
  lane.paramList = d.params.map((p) => ({ ...p }));
  lane.limit = state.maxSteps;
  return lane;
}

// Rebuilds every lane from `start` with the ticked drivers; on an error keeps the old ones.
async function resetLanes() {
  stopAdapting();
  const made = [];
  try {
    for (const d of state.drivers.filter((x) => x.enabled)) made.push(await makeLane(d));
  } catch (error) {
    made.forEach((lane) => lane.dispose());
    throw error;
  }
  lanes.forEach((lane) => lane.dispose());
  lanes = made;
  if (!lanes.some((l) => l.name === state.shown) && lanes.length) state.shown = lanes[0].name;
  held = null;
}

// Adds or replaces the lane of driver `name` (its parameters changed, or it was ticked);
// the other lanes go on.
async function refreshLane(name) {
  const d = state.drivers.find((x) => x.name === name);
  const old = lanes.find((l) => l.name === name);
  if (old && name === 'adapted' && state.adapting) stopAdapting();
  const lane = d.enabled ? await makeLane(d) : null;
  if (old) old.dispose();
  lanes = lanes.filter((l) => l !== old);
  if (lane) {
    lanes.push(lane);
    lanes.sort((a, b) => state.drivers.findIndex((x) => x.name === a.name) - state.drivers.findIndex((x) => x.name === b.name));
  }
  if (!lanes.some((l) => l.name === state.shown)) state.shown = lane ? lane.name : lanes[0]?.name ?? '';
  if (held && held.lane === old) held = null;
}

function shownLane() {
  return lanes.find((l) => l.name === state.shown) || lanes[0] || null;
}

// The engine drawn: a played-back trajectory frame, the shown lane, or the start.
function shownEngine() {
  return playback ? playback.engine : shownLane()?.engine ?? start;
}

// Sphere radius (length unit): the first species' fraction of the mean spacing (periodic),
// or of a sigma (free clusters).
function atomRadius(engine) {
  const b = engine.box();
  const info = systemInfo(engine.system());
  const fraction = info.species[engine.speciesNames()[0]].radius;
  if (!b.periodic.some((p) => p)) return fraction;
  return fraction * Math.cbrt((b.length[0] * b.length[1] * b.length[2]) / engine.size());
}

// Makes `engine` the start structure (taking ownership), `applied` its setup, and rebuilds
// the lanes; on an error nothing changes (the engine is freed).
async function useStart(engine, applied) {
  const old = { start, drivers: state.drivers };
  start = engine;
  try {
    const system = engine.system();
    if (state.drivers.system !== system) {
      const enabled = state.drivers.filter((d) => d.enabled).map((d) => d.name);
      setDrivers(system, enabled.length ? enabled : ['fire']);
      if (!state.drivers.some((d) => d.enabled)) state.drivers.find((d) => d.name === 'fire').enabled = true;
    }
    await resetLanes();
  } catch (error) {
    start = old.start;
    state.drivers = old.drivers;
    engine.delete();
    throw error;
  }
  if (old.start) old.start.delete();
  state.applied = applied;
  state.running = false;
  stopPlayback();
  const info = systemInfo(engine.system());
  if (state.shakeSystem !== engine.system()) state.shakeTemperature = info.shakeTemperature;
  state.shakeSystem = engine.system();
  const names = engine.speciesNames();
  viewport.setStructure(engine.size(), engine.box(), atomRadius(engine), {
    colour: names.map((s) => info.species[s]?.colour ?? 0xcccccc),
    scale: names.map((s) => (info.species[s]?.radius ?? info.species[names[0]].radius) / info.species[names[0]].radius),
  });
  document.getElementById('bonds').checked = Boolean(info.bondLength) && engine.system() === 'sw-si';
  document.getElementById('bonds').disabled = !info.bondLength;
  controls.fill();
  applyView();
}

// Lets the browser show a message or a disabled button before a long synchronous call.
const paint = () => new Promise((resolve) => setTimeout(resolve, 0));

// Generates the form's structure; a failure leaves the structure on screen and says so.
async function generate() {
  const s = { ...state.setup };
  if (s.n > MAX_ATOMS) throw new Error(`N = ${s.n} is more than this page handles (${MAX_ATOMS}); send it to the server`);
  state.busy = true;
  say(`generating ${s.system} N = ${s.n} seed ${s.seed} (${s.equilibration} MD steps) …`);
  try {
    await paint();
    const engine = M.Engine.generate({ system: s.system, n: s.n, seed: s.seed, equilibration: s.equilibration });
    await useStart(engine, s);
  } catch (error) {
    throw new Error(`${error.message} — still showing ${describe(state.applied)}`);
  } finally {
    state.busy = false;
  }
  say(`${systemInfo(s.system).name}, N = ${s.n}, seed ${s.seed} (strider generate --system ${s.system} --n ${s.n}` +
      ` --seed ${s.seed} --equilibration ${s.equilibration} --count 1)`);
}

function describe(applied) {
  if (!applied) return 'nothing';
  return applied.file ? `${applied.file} (${applied.system}, N = ${applied.n})` : `${applied.system} N = ${applied.n} seed ${applied.seed}`;
}

// Whether the form differs from what is on screen (then "changed — press Generate").
function pending() {
  const a = state.applied;
  if (!a) return true;
  const s = state.setup;
  if (a.file) return s.system !== a.system || s.n !== a.n;
  return ['system', 'n', 'seed', 'equilibration'].some((k) => s[k] !== a[k]);
}

function stopAdapting() {
  if (!state.adapting) return;
  state.adapting = false;
  const lane = lanes.find((l) => l.name === 'adapted');
  if (lane) {
    adapted = { ...adapted, text: lane.engine.policyWeights() };
    lane.moved();
  }
}

// Makes `text` (a policy weight file) the adapted policy, after checking it loads for the
// structure's system; ticks it.
async function loadWeights(text, source) {
  const probe = start.clone();
  try {
    probe.loadPolicy(text, source);
  } finally {
    probe.delete();
  }
  stopAdapting();
  adapted = { text, source, system: start.system() };
  const enabled = state.drivers.filter((d) => d.enabled).map((d) => d.name);
  setDrivers(start.system(), [...enabled, 'adapted'], state.drivers);
  await refreshLane('adapted');
  say(`${source}: policy weights loaded; they race as "adapted"`);
}

// Distance (length unit) from `point` [x, y, z] to the nearest atom other than `atom`
// (nearest periodic image); positions: 3N, box: {length, periodic}.
function nearestDistance(positions, box, atom, point) {
  let best = Infinity;
  for (let j = 0; j < positions.length / 3; ++j) {
    if (j === atom) continue;
    let r2 = 0;
    for (let a = 0; a < 3; ++a) {
      let d = positions[3 * j + a] - point[a];
      if (box.periodic[a]) d -= box.length[a] * Math.round(d / box.length[a]);
      r2 += d * d;
    }
    best = Math.min(best, r2);
  }
  return Math.sqrt(best);
}

// Holds the dragged atom at the pointer (or as close as DRAG_CLOSEST allows).
function holdAtom() {
  const { lane, atom, target, closest } = held;
  const engine = lane.engine;
  const positions = engine.positions().slice();
  const box = engine.box();
  const from = [positions[3 * atom], positions[3 * atom + 1], positions[3 * atom + 2]];
  let to = target;
  if (nearestDistance(positions, box, atom, to) < closest) {
    // The farthest point towards the pointer that keeps the distance (bisection).
    let lo = 0;
    let hi = 1;
    for (let k = 0; k < 20; ++k) {
      const mid = (lo + hi) / 2;
      if (nearestDistance(positions, box, atom, from.map((x, a) => x + mid * (target[a] - x))) >= closest) lo = mid;
      else hi = mid;
    }
    to = from.map((x, a) => x + lo * (target[a] - x));
  }
  engine.moveAtom(atom, ...to);
  lane.moved();
}

const drag = {
  start: (atom) => {
    const lane = shownLane();
    if (!lane || playback) return;
    const p = lane.engine.positions().slice();
    const here = [p[3 * atom], p[3 * atom + 1], p[3 * atom + 2]];
    const nearest = nearestDistance(p, lane.engine.box(), atom, here);
    held = { lane, atom, target: here, closest: Number.isFinite(nearest) ? DRAG_CLOSEST * nearest : 0 };
  },
  move: (atom, x, y, z) => {
    if (!held || held.atom !== atom) return;
    held.target = [x, y, z];
    try {
      holdAtom();
    } catch (error) {
      say(error.message, true);
    }
  },
  end: () => { held = null; },
};

// The controls' actions.
const actions = {
  generate: () => generate(),
  run: () => {
    stopAdapting();
    // Run after "done" goes on for another max-steps.
    for (const lane of lanes) lane.limit = lane.done() ? lane.steps + state.maxSteps : Math.max(lane.limit, state.maxSteps);
    if (lanes.length === 0) throw new Error('tick at least one optimiser');
    state.running = true;
  },
  pause: () => { state.running = false; },
  step: () => { stopAdapting(); lanes.forEach((lane) => lane.stepOnce()); },
  reset: async () => {
    state.running = false;
    state.busy = true;
    say('resetting: every ticked optimiser starts again from the structure …');
    try {
      await paint();
      await resetLanes();
    } finally {
      state.busy = false;
    }
    say(`reset: ${lanes.map((l) => l.name).join(', ')} from the same start`);
  },
  shake: () => {
    const lane = shownLane();
    if (!lane) throw new Error('tick an optimiser first');
    stopAdapting();
    lane.engine.shake(state.shakeTemperature, SHAKE_STEPS, ++shakes);
    lane.moved();
    say(`shaken: ${SHAKE_STEPS} MD steps at T = ${state.shakeTemperature} ${systemInfo(start.system()).temperature}; ${lane.name} goes on from there`);
  },
  adapt: async () => {
    if (start.size() > ADAPT_MAX_ATOMS) {
      if (server.available) server.offerAdapt();
      throw new Error(`adapting in the page is for N ≤ ${ADAPT_MAX_ATOMS} (this is N = ${start.size()}): ` +
        (server.available ? 'the server adapts at any N: "adapt policy" is selected under Server, press "Send to server"' : 'run `strider adapt` or `strider serve`'));
    }
    if (!adapted || adapted.system !== start.system()) {
      adapted = { text: await policyText(start.system()), source: `${policyFor(start.system()).file}, adapted here`, system: start.system() };
    }
    const enabled = state.drivers.filter((d) => d.enabled).map((d) => d.name);
    setDrivers(start.system(), [...enabled, 'adapted'], state.drivers);
    if (!lanes.some((l) => l.name === 'adapted')) await refreshLane('adapted');
    state.shown = 'adapted';
    state.running = false;
    state.adapting = true;
  },
  'adapt-stop': () => { stopAdapting(); say(`adaptation stopped after ${adaptEpochs} epochs: Reset + Run races the adapted policy`); },
  'download-weights': () => {
    stopAdapting();
    download('strider-adapted.weights', adapted.text, 'text/plain');
  },
  fit: () => viewport.fit(),
  share: () => {
    const url = shareLink();
    history.replaceState(null, '', url);
    navigator.clipboard?.writeText(url).catch(() => {});
    say(`share link: ${url}${lanes.some((l) => l.name === 'adapted') ? ' (without the adapted policy: download its weights)' : ''}`);
  },
  'export-xyz': () => download('strider.xyz', shownEngine().toExtxyz(), 'chemical/x-xyz'),
  'export-csv': () => download('strider-curves.csv', curvesCsv(), 'text/csv'),
  demo: () => demo(),
};

// Runs an action by name; errors show as a message and change nothing else.
async function perform(name) {
  try {
    await actions[name]();
  } catch (error) {
    say(error.message, true);
  }
}

// The link of what is on screen: the structure that was generated and the lanes that race
// (with their parameters), not the form's unapplied edits.
function shareLink() {
  const a = state.applied;
  if (!a || a.file) throw new Error('this structure came from a file: a link cannot carry it (export it as .xyz)');
  const racing = lanes.filter((l) => l.name !== 'adapted').map((l) => ({ name: l.name, enabled: true, params: l.paramList }));
  return location.href.replace(/#.*$/, '') + shareHash(M, a, racing, state.maxSteps);
}

function curvesCsv() {
  const rows = [['lane', 'step', 'evaluations', 'energy_per_atom'].join(',')];
  for (const lane of lanes) {
    const c = lane.curve;
    for (let k = 0; k < c.energy.length; ++k) rows.push([lane.name, c.steps[k], c.evaluations[k], c.energy[k]].join(','));
  }
  return rows.join('\n') + '\n';
}

function download(name, text, type) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

// Applies a share link (the URL hash): a nonsense link leaves the current state.
async function applyHash(hash) {
  const link = parseShareHash(hash, state.setup);
  const saved = { setup: state.setup, drivers: state.drivers, maxSteps: state.maxSteps };
  try {
    state.setup = link.setup;
    state.maxSteps = link.maxSteps;
    setDrivers(link.setup.system, link.run.map((r) => r.name));
    for (const r of link.run) {
      const d = state.drivers.find((x) => x.name === r.name);
      if (d.unavailable) throw new Error(`share link: ${d.unavailable}`);
      for (const [k, v] of Object.entries(r.params)) {
        const p = d.params.find((x) => x.name === k);
        if (!p) throw new Error(`share link: ${r.name} has no parameter '${k}'`);
        p.value = v;
      }
    }
    await generate();
    actions.run();
  } catch (error) {
    Object.assign(state, saved);
    controls.fill();
    throw error;
  }
}

// Reads a dropped or opened file into a new start structure (errors keep the current one).
async function loadFile(text, name) {
  const engine = await readStructure(M, text, name);
  if (!engine) return say(`${name}: not loaded`);
  if (engine.size() > MAX_ATOMS) {
    engine.delete();
    throw new Error(`${name}: ${engine.size()} atoms is more than this page handles (${MAX_ATOMS})`);
  }
  if (!Number.isFinite(engine.energy())) {
    const energy = engine.energy();
    engine.delete();
    throw new Error(`${name}: its energy is ${energy} (atoms on top of each other?); not loaded`);
  }
  const applied = { system: engine.system(), n: engine.size(), file: name };
  await useStart(engine, applied);
  state.setup = { ...state.setup, system: applied.system, n: applied.n };
  controls.fill();
  say(`${name}: ${systemInfo(applied.system).name}, N = ${applied.n}`);
}

const viewElement = document.getElementById('viewport');
viewElement.addEventListener('dragover', (e) => { e.preventDefault(); viewElement.classList.add('dragover'); });
viewElement.addEventListener('dragleave', () => viewElement.classList.remove('dragover'));
viewElement.addEventListener('drop', async (e) => {
  e.preventDefault();
  viewElement.classList.remove('dragover');
  const file = e.dataTransfer.files[0];
  if (file) await openFile(file);
});
async function openFile(file) {
  try {
    if (/\.weights$/i.test(file.name)) await loadWeights(await file.text(), file.name);
    else await loadFile(await file.text(), file.name);
  } catch (error) {
    say(error.message, true);
  }
}
for (const id of ['open-file', 'load-weights']) {
  const input = document.getElementById(id);
  input.addEventListener('change', async () => {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    try {
      if (id === 'load-weights') await loadWeights(await file.text(), file.name);
      else await loadFile(await file.text(), file.name);
    } catch (error) {
      say(error.message, true);
    }
  });
}

// Space runs or pauses when no control has the focus (a button or field keeps its keys).
document.addEventListener('keydown', (e) => {
  const target = e.target;
  const inControl = target instanceof HTMLElement && target.closest('input, select, button, textarea, summary, dialog, a');
  if (e.key === ' ' && !inControl && !e.ctrlKey && !e.metaKey) {
    e.preventDefault();
    perform(state.running ? 'pause' : 'run');
  }
});

// The guided demo: FIRE against the learned policy on a 100-atom glass, then a shake.
async function demo() {
  state.setup = { system: 'lj-binary', n: 100, seed: 1, equilibration: 1000 };
  state.maxSteps = 300;
  setDrivers('lj-binary', ['fire', 'policy']);
  controls.fill();
  await generate();
  actions.run();
  say('Demo: FIRE (blue) and the learned policy (orange) race down from the same hot glass: watch the plot and the table …');
  const until = (test) => new Promise((resolve) => { const t = setInterval(() => { if (test()) { clearInterval(t); resolve(); } }, 200); });
  await until(() => !state.running);
  state.shown = 'policy';
  actions.shake();
  actions.run();
  say('Demo: the policy\'s structure was shaken (heated) and is relaxing again. Try dragging an atom, or Adapt policy.');
}

// One animation frame: compute within the budget, then the view, the plot and the controls.
// An error inside a frame is shown and the next frame runs.
let frames = 0;
let stepsThisSecond = 0;
let stepsPerSecond = 0;
let secondStart = performance.now();
let drawMs = 0;
let lastPlot = 0;
let longestFrameMs = 0;
let lastFrameStart = 0;
let frameError = '';

function computeFrame(t0) {
  const budget = Math.max(FRAME_BUDGET_MS, drawMs);
  if (state.busy) return;
  if (state.adapting) {
    const lane = lanes.find((l) => l.name === 'adapted');
    try {
      const run = lane.engine.adapt(1, { seed: 1 });  // continues one run (bindings.cpp)
      adaptEpochs = run.epochs;
      lane.moved();
      state.adaptStatus = `adapting: epoch ${adaptEpochs}, E/N ${(run.finalEnergy / lane.n).toFixed(5)}`;
      if (run.diverged) throw new Error(run.message);
    } catch (error) {
      stopAdapting();
      say(`adaptation stopped: ${error.message}`, true);
    }
  } else if (state.running) {
    const active = lanes.filter((l) => !l.done());
    const before = lanes.reduce((s, l) => s + l.steps, 0);
    active.forEach((lane, k) => lane.run(t0 + (budget * (k + 1)) / active.length));
    stepsThisSecond += lanes.reduce((s, l) => s + l.steps, 0) - before;
    if (active.length === 0) state.running = false;
  }
  if (held && lanes.includes(held.lane)) holdAtom();
}

function statusText() {
  if (state.adapting) return state.adaptStatus || 'adapting …';
  if (state.busy) return 'busy …';
  const diverged = lanes.filter((l) => l.error).map((l) => `${l.name} ${l.error}`);
  const word = state.running ? 'running' : lanes.length && lanes.every((l) => l.done()) ? 'done (Run goes on)' : 'paused';
  return [word, ...diverged].join(' · ');
}

function applyView() {
  const options = controls.viewOptions();
  const info = systemInfo(start ? start.system() : state.setup.system);
  viewport.options = { colourMode: options.colourMode, fixedRange: options.fixedRange, bondLength: options.bonds ? info.bondLength || 0 : 0 };
  document.getElementById('bar-title').textContent = options.colourMode === 'species' ? 'species' : `per-atom energy (${info.energy})`;
}

function draw() {
  const engine = shownEngine();
  if (!engine || !viewport.mesh || viewport.mesh.count !== engine.size()) return;  // a structure being replaced
  const info = systemInfo(engine.system());
  const range = viewport.update(engine.positions(), engine.perAtomEnergies(), engine.species());
  const bySpecies = viewport.options.colourMode === 'species';
  document.getElementById('bar-ramp').style.visibility = bySpecies ? 'hidden' : 'visible';
  document.getElementById('bar-min').textContent = bySpecies ? '' : range[0].toPrecision(4);
  document.getElementById('bar-max').textContent = bySpecies ? engine.speciesNames().join(' ') : range[1].toPrecision(4);
  controls.offerRange(range);
  const lane = shownLane();
  const e = engine.energyPerAtom();
  const where = playback ? 'trajectory' : lane ? `${lane.name}, step ${lane.steps}` : 'start';
  energyElement.textContent = `E/N: ${Number.isFinite(e) ? e.toFixed(6) : e} ${info.energy} (${where})`;
  if (firstEnergyAt === null && Number.isFinite(e)) firstEnergyAt = performance.now();
}

function frame() {
  requestAnimationFrame(frame);
  const t0 = performance.now();
  if (lastFrameStart && frames > 2) longestFrameMs = Math.max(longestFrameMs, t0 - lastFrameStart);
  lastFrameStart = t0;
  try {
    computeFrame(t0);
    const drawStart = performance.now();
    draw();
    viewport.render();
    if (t0 - lastPlot > PLOT_INTERVAL_MS) {
      lastPlot = t0;
      plot.update(lanes, systemInfo((start || { system: () => state.setup.system }).system()).energy);
      controls.renderDrivers(laneColour);
    }
    controls.render({
      pending: pending(), status: statusText(), lanes: lanes.map((l) => l.summary()),
      canDownloadWeights: Boolean(adapted), temperatureUnit: systemInfo(state.setup.system).temperature,
      energyUnit: systemInfo((start || { system: () => state.setup.system }).system()).energy,
    });
    drawMs = performance.now() - drawStart;
    frameError = '';
  } catch (error) {
    // Shown once per distinct error; the page keeps drawing and every control keeps working.
    if (error.message !== frameError) say(`a frame failed: ${error.message}`, true);
    frameError = error.message;
  }
  ++frames;
  if (performance.now() - secondStart >= 1000) {
    stepsPerSecond = (1000 * stepsThisSecond) / (performance.now() - secondStart);
    stepsThisSecond = 0;
    secondStart = performance.now();
  }
}

function stopPlayback() {
  if (playback) playback.engine.delete();
  playback = null;
}

const viewport = new Viewport(viewElement, drag);
const plot = new EnergyPlot(document.getElementById('plot'));
for (const [id, field] of [['plot-x', 'x'], ['plot-y', 'y']]) {
  document.getElementById(id).addEventListener('change', (e) => { plot[field] = e.target.value; lastPlot = 0; });
}
const controls = new Controls(state, {
  action: perform,
  setupChanged: () => {},
  driverToggled: async (name, on) => {
    const d = state.drivers.find((x) => x.name === name);
    d.enabled = on;
    try {
      await refreshLane(name);
      if (on && state.running) say(`${name} joins the race from the start structure`);
    } catch (error) {
      d.enabled = !on;
      controls.renderDrivers(laneColour);
      say(error.message, true);
    }
  },
  parameterChanged: async (name) => {
    const d = state.drivers.find((x) => x.name === name);
    if (!d.enabled) return;
    try {
      await refreshLane(name);
      say(`${name} starts again with its new parameters`);
    } catch (error) {
      say(error.message, true);
    }
  },
  maxStepsChanged: () => { for (const lane of lanes) lane.limit = state.maxSteps; },
  viewChanged: () => applyView(),
});

const server = new Server(document.getElementById('server'), {
  setup: () => ({
    ...state.applied, maxSteps: state.maxSteps,
    drivers: lanes.map((l) => ({ name: l.name, params: parameterObject(l.paramList) })),
  }),
  structure: () => shownEngine().toExtxyz(),
  atoms: () => start.size(),
  policy: () => (adapted && adapted.system === start.system() ? adapted.text : policyFor(start.system()) ? policyTexts.get(policyFor(start.system()).file) : null),
  say,
  busy: (flag) => { state.busy = flag; },
  openResult: (text, name) => loadFile(text, `${name}.xyz`),
  loadWeights: (text, name) => loadWeights(text, name).catch((error) => say(error.message, true)),
  playback: (frames) => {
    if (playback && playback.frames === frames) return;
    stopPlayback();
    if (frames) playback = { engine: start.clone(), frames };
  },
  showFrame: (k) => {
    if (playback) playback.engine.setPositions(playback.frames[k]);
  },
});

// The test API: everything a test needs to read, and the actions it may trigger.
window.striderApp = {
  state,
  perform,
  generate: (setup) => { Object.assign(state.setup, setup); controls.fill(); return perform('generate'); },
  loadText: (text, name) => loadFile(text, name).catch((e) => say(e.message, true)),
  shareLink: () => { try { return shareLink(); } catch (e) { return `error: ${e.message}`; } },
  message: () => messageElement.textContent,
  energyShown: () => Number((/E\/N: (-?[\d.]+(?:e[-+]?\d+)?)/.exec(energyElement.textContent) || [])[1]),
  raceTable: () => lanes.map((l) => l.summary()),
  allDone: () => lanes.length > 0 && lanes.every((l) => l.done()),
  atomScreenPosition: (i) => viewport.screenPosition(i),
  heldAtom: () => (held ? held.atom : null),
  plotSummary: () => plot.summary(),
  viewport: () => ({ bonds: viewport.bondCount, range: viewport.options.fixedRange, colourMode: viewport.options.colourMode }),
  adaptedWeights: () => adapted && { source: adapted.source, system: adapted.system, length: adapted.text.length },
  timing: () => ({ firstEnergyAt, stepsPerSecond, frames, longestFrameMs, resetLongest: () => { longestFrameMs = 0; } }),
  server,
  engineModule: M,
};

requestAnimationFrame(frame);
// Policies load in the background, so ticking one is immediate.
for (const entry of POLICIES) policyText(entry.system).catch(() => {});
try {
  const job = Server.jobInPath();
  if (job) {
    await generate();
    if (!(await server.detected)) throw new Error(`result ${job}: no server answers here`);
    await server.open(job);
  } else if (location.hash.length > 1) {
    setDrivers(state.setup.system, ['fire']);
    await applyHash(location.hash).catch(async (error) => {
      if (!start) await generate();
      say(error.message, true);
    });
  } else {
    setDrivers(state.setup.system, ['fire']);
    await generate();
  }
} catch (error) {
  say(error.message, true);
}
window.striderApp.ready = true;
