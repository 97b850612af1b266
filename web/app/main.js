// The page: loads the engine and panel modules, keeps the run state, carries out the
// panel's actions and draws every animation frame. window.striderApp is a small API for
// the browser tests (tests/browser/) and the benchmarks.
import { Lane } from './lanes.js';
import { DRIVERS, MAX_ATOMS, SYSTEMS, defaultParameters, parameterObject, parseShareHash, shareHash } from './setup.js';
import { Viewport } from './viewport.js';
import { Server } from './server.js';

// Compute per animation frame, all lanes together: 12 ms, or as long as the last frame's
// drawing took if that was longer (a software-rendered WebGL then still leaves half of
// the time to the optimisers).
const FRAME_BUDGET_MS = 12;
const ADAPT_MAX_ATOMS = 300;      // adaptation in the page is for small systems
const SHAKE_STEPS = 20;           // MD steps per shake
const POLICY_FILE = 'shared/policy-lj-binary-100.weights';
const POLICY_SYSTEM = 'lj-binary';

const messageElement = document.getElementById('message');
const energyElement = document.getElementById('energy');

// Shows a message; errors are marked (class "error") and logged as warnings, not errors,
// because bad input is expected and handled.
function say(text, isError = false) {
  messageElement.textContent = text;
  messageElement.className = isError ? 'error' : '';
  if (isError) console.warn(text);
}

const M = await createStriderModule();
const panelModule = await createStriderPanel({ canvas: document.getElementById('panel') });
const panel = new panelModule.Panel(460, 860);

const state = {
  systems: SYSTEMS,
  setup: { system: 'lj-binary', n: 100, seed: 1, equilibration: 1000 },
  drivers: [],
  running: false,
  adapting: false,
  maxSteps: 1000,
  shakeTemperature: 2.0,
  policyLoaded: false,
  status: '',
  lanes: [],
};
let start = null;       // the Engine every lane copies
let lanes = [];         // Lane objects; lanes[0] is the one shown in 3D
let policyText = null;
let shakes = 0;
let adaptEpochs = 0;
let firstEnergyAt = null;

const viewport = new Viewport(document.getElementById('viewport'), (i, x, y, z) => {
  if (!lanes[0]) return;
  try {
    lanes[0].engine.moveAtom(i, x, y, z);
    lanes[0].moved();
  } catch (error) {
    say(error.message, true);
  }
});

// The drivers with their default parameters for `system`; `enabled` are ticked.
let driversSystem = null;
function setDrivers(system, enabled) {
  state.drivers = DRIVERS.map((name) => ({ name, enabled: enabled.includes(name), params: defaultParameters(M, name, system) }));
  driversSystem = system;
}

// Rebuilds the lanes from `start` with the enabled drivers; on an error keeps the old ones.
async function resetLanes() {
  const chosen = state.drivers.filter((d) => d.enabled);
  if (chosen.length === 0) throw new Error('tick at least one optimiser');
  if (chosen.some((d) => d.name === 'policy')) {
    if (start.system() !== POLICY_SYSTEM) throw new Error(`the shipped policy is for ${POLICY_SYSTEM}, not ${start.system()}`);
    if (!policyText) {
      const response = await fetch(POLICY_FILE);
      if (!response.ok) throw new Error(`${POLICY_FILE}: HTTP ${response.status}`);
      policyText = await response.text();
    }
  }
  const made = [];
  try {
    chosen.forEach((d, k) => made.push(new Lane(start, d.name, parameterObject(d.params), k, policyText)));
  } catch (error) {
    made.forEach((lane) => lane.dispose());
    throw error;
  }
  lanes.forEach((lane) => lane.dispose());
  lanes = made;
  state.policyLoaded = lanes.some((l) => l.name === 'policy');
  state.adapting = false;
  adaptEpochs = 0;
  viewport.setStructure(start.size(), start.box(), atomRadius(start));
}

// Sphere radius: a third of the mean spacing (periodic), half a sigma (free LJ clusters).
function atomRadius(engine) {
  const b = engine.box();
  if (!b.periodic.some((p) => p)) return 0.5;
  return 0.3 * Math.cbrt((b.length[0] * b.length[1] * b.length[2]) / engine.size());
}

// Makes `engine` the start structure (taking ownership) and rebuilds the lanes.
async function useStart(engine) {
  const old = start;
  start = engine;
  try {
    if (driversSystem !== engine.system()) setDrivers(engine.system(), enabledNames());
    await resetLanes();
    if (old) old.delete();
  } catch (error) {
    start = old;
    engine.delete();
    throw error;
  }
}

function enabledNames() {
  return state.drivers.filter((d) => d.enabled).map((d) => d.name);
}

// Generates the setup's structure.
async function generate() {
  const s = state.setup;
  if (s.n > MAX_ATOMS) throw new Error(`N = ${s.n} is more than this page handles (${MAX_ATOMS}); send it to the server`);
  say(`generating ${s.system} N=${s.n} seed ${s.seed} ...`);
  await new Promise((r) => setTimeout(r, 0));  // let the message show
  const engine = M.Engine.generate({ system: s.system, n: s.n, seed: s.seed, equilibration: s.equilibration });
  if (driversSystem !== s.system) setDrivers(s.system, state.drivers.length ? enabledNames() : ['fire']);
  await useStart(engine);
  say(`${s.system}, N = ${engine.size()}, seed ${s.seed} (strider generate --system ${s.system} --n ${s.n}` +
      ` --seed ${s.seed} --equilibration ${s.equilibration} --count 1)`);
}

// The panel's and the toolbar's actions.
const actions = {
  generate: () => generate(),
  run: () => { state.running = true; },
  pause: () => { state.running = false; },
  step: () => lanes.forEach((lane) => { if (!lane.done(Infinity)) lane.stepOnce(); }),
  reset: async () => { state.running = false; await resetLanes(); },
  shake: () => {
    const lane = lanes[0];
    lane.engine.shake(state.shakeTemperature, SHAKE_STEPS, ++shakes);
    lane.moved();
    say(`shaken: ${SHAKE_STEPS} MD steps at T = ${state.shakeTemperature}; ${lane.name} goes on from there`);
  },
  adapt: () => {
    const lane = lanes.find((l) => l.name === 'policy');
    if (!lane) throw new Error('adapting needs the policy among the optimisers');
    if (lane.n > ADAPT_MAX_ATOMS) throw new Error(`adapting in the page is for N <= ${ADAPT_MAX_ATOMS}; send it to the server`);
    state.adapting = true;
  },
  'adapt-stop': () => { state.adapting = false; },
  share: () => {
    const url = shareLink();
    history.replaceState(null, '', url);
    navigator.clipboard?.writeText(url).catch(() => {});
    say(`share link: ${url}`);
  },
  'export-xyz': () => download('strider.xyz', lanes[0].engine.toExtxyz(), 'chemical/x-xyz'),
  'export-csv': () => download('strider-curves.csv', curvesCsv(), 'text/csv'),
};

// Runs an action by name; errors show as a message and change nothing else.
async function perform(name) {
  try {
    await actions[name]();
  } catch (error) {
    say(error.message, true);
  }
}

function shareLink() {
  return location.href.replace(/#.*$/, '') + shareHash(M, state.setup, state.drivers, state.maxSteps);
}

function curvesCsv() {
  const rows = [['step', ...lanes.map((l) => l.name)].join(',')];
  const length = Math.max(...lanes.map((l) => l.curve.length));
  for (let k = 0; k < length; ++k) rows.push([k, ...lanes.map((l) => l.curve[k] ?? '')].join(','));
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
  const saved = { setup: state.setup, drivers: state.drivers, maxSteps: state.maxSteps, system: driversSystem };
  try {
    state.setup = link.setup;
    state.maxSteps = link.maxSteps;
    setDrivers(link.setup.system, link.run.map((r) => r.name));
    for (const r of link.run) {
      const d = state.drivers.find((x) => x.name === r.name);
      for (const [k, v] of Object.entries(r.params)) {
        const p = d.params.find((x) => x.name === k);
        if (!p) throw new Error(`share link: ${r.name} has no parameter '${k}'`);
        p.value = v;
      }
    }
    await generate();
    state.running = true;
  } catch (error) {
    Object.assign(state, { setup: saved.setup, drivers: saved.drivers, maxSteps: saved.maxSteps });
    driversSystem = saved.system;
    throw error;
  }
}

// Reads a dropped extxyz file into a new start structure (errors keep the current one).
async function loadText(text, name) {
  const engine = new M.Engine(text, { name });
  if (engine.size() > MAX_ATOMS) {
    engine.delete();
    throw new Error(`${name}: ${engine.size()} atoms is more than this page handles (${MAX_ATOMS})`);
  }
  state.running = false;
  await useStart(engine);
  state.setup.system = engine.system();
  state.setup.n = engine.size();
  say(`${name}: ${engine.system()}, N = ${engine.size()}`);
}

const viewElement = document.getElementById('viewport');
viewElement.addEventListener('dragover', (e) => { e.preventDefault(); viewElement.classList.add('dragover'); });
viewElement.addEventListener('dragleave', () => viewElement.classList.remove('dragover'));
viewElement.addEventListener('drop', async (e) => {
  e.preventDefault();
  viewElement.classList.remove('dragover');
  const file = e.dataTransfer.files[0];
  if (!file) return;
  try {
    await loadText(await file.text(), file.name);
  } catch (error) {
    say(error.message, true);
  }
});
for (const id of ['share', 'export-xyz', 'export-csv']) document.getElementById(id).addEventListener('click', () => perform(id));

// One animation frame: compute within the budget, then the panel and the 3D view.
let frames = 0;
let stepsThisSecond = 0;
let stepsPerSecond = 0;
let secondStart = performance.now();
let drawMs = 0;
function frame() {
  const t0 = performance.now();
  const budget = Math.max(FRAME_BUDGET_MS, drawMs);
  if (state.adapting) {
    const lane = lanes.find((l) => l.name === 'policy');
    try {
      const run = lane.engine.adapt(1, { seed: 1 });  // continues one run (bindings.cpp)
      adaptEpochs = run.epochs;
      lane.moved();
      state.status = `adapting: epoch ${adaptEpochs}, E/N ${(run.finalEnergy / lane.n).toFixed(5)}`;
      if (run.diverged) throw new Error(run.message);
    } catch (error) {
      state.adapting = false;
      say(`adaptation stopped: ${error.message}`, true);
    }
  } else if (state.running) {
    const active = lanes.filter((l) => !l.done(state.maxSteps));
    const before = lanes.reduce((s, l) => s + l.steps, 0);
    active.forEach((lane, k) => lane.run(t0 + (budget * (k + 1)) / active.length, state.maxSteps));
    stepsThisSecond += lanes.reduce((s, l) => s + l.steps, 0) - before;
    if (active.length === 0) state.running = false;
  }
  const drawStart = performance.now();
  const errors = lanes.filter((l) => l.error).map((l) => l.error);
  if (!state.adapting) state.status = errors.length ? errors.join('; ') : state.running ? 'running' : window.striderApp.allDone() ? 'done' : 'paused';
  state.lanes = lanes.map((l) => l.summary());
  for (const name of panel.frame(state)) perform(name);
  if (lanes[0]) {
    const lane = lanes[0];
    const [lo, hi] = viewport.update(lane.engine.positions(), lane.engine.perAtomEnergies());
    document.getElementById('legend-min').textContent = lo.toFixed(3);
    document.getElementById('legend-max').textContent = hi.toFixed(3);
    energyElement.textContent = `E/N: ${lane.engine.energyPerAtom().toFixed(6)} (${lane.name}, step ${lane.steps})`;
    if (firstEnergyAt === null) firstEnergyAt = performance.now();
  }
  viewport.render();
  drawMs = performance.now() - drawStart;
  ++frames;
  if (performance.now() - secondStart >= 1000) {
    stepsPerSecond = (1000 * stepsThisSecond) / (performance.now() - secondStart);
    stepsThisSecond = 0;
    secondStart = performance.now();
  }
  requestAnimationFrame(frame);
}

const server = new Server(document.getElementById('server'), {
  setup: () => ({
    ...state.setup, maxSteps: state.maxSteps,
    drivers: state.drivers.filter((d) => d.enabled).map((d) => ({ name: d.name, params: parameterObject(d.params) })),
  }),
  structure: () => start.toExtxyz(),
  policy: () => (start.system() === POLICY_SYSTEM ? policyText : null),
  say,
  openResult: (text, name) => loadText(text, name),
  // A trajectory frame into the shown lane (playback), its optimiser restarted there.
  playFrame: (text) => {
    const frame = new M.Engine(text, { name: 'trajectory' });
    try {
      lanes[0].engine.setPositions(frame.positions());
      lanes[0].moved();
    } finally {
      frame.delete();
    }
  },
});

// The test API: everything a test needs to read, and the actions it may trigger.
window.striderApp = {
  state,
  perform,
  generate: (setup) => { Object.assign(state.setup, setup); return perform('generate'); },
  enable: (names) => { state.drivers.forEach((d) => { d.enabled = names.includes(d.name); }); return perform('reset'); },
  setParameter: (driver, name, value) => { state.drivers.find((d) => d.name === driver).params.find((p) => p.name === name).value = value; },
  loadText: (text, name) => loadText(text, name).catch((e) => say(e.message, true)),
  shareLink,
  message: () => messageElement.textContent,
  energyShown: () => Number((/E\/N: (-?[\d.]+)/.exec(energyElement.textContent) || [])[1]),
  raceTable: () => lanes.map((l) => ({ name: l.name, steps: l.steps, energyPerAtom: l.energyPerAtom, bestPerAtom: l.bestPerAtom, error: l.error })),
  allDone: () => lanes.length > 0 && lanes.every((l) => l.done(state.maxSteps)),
  panelRect: (label) => panel.itemRect(label),
  atomScreenPosition: (i) => viewport.screenPosition(i),
  timing: () => ({ firstEnergyAt, stepsPerSecond, frames }),
  server,
  engineModule: M,
};

try {
  const job = Server.jobInPath();
  if (job) {
    await generate();
    if (!(await server.detected)) throw new Error(`result ${job}: no server answers here`);
    await server.open(job);
  } else if (location.hash.length > 1) {
    await generate();
    await applyHash(location.hash).catch((error) => say(error.message, true));
  } else {
    await generate();
  }
} catch (error) {
  say(error.message, true);
}
requestAnimationFrame(frame);
window.striderApp.ready = true;
