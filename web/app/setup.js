// The run setup (system, N, seed, equilibration, optimisers with their parameters, step
// budget) and its share-link form: the URL hash
//   #system=lj-binary&n=100&seed=1&eq=1000&steps=1000&run=fire:dt_max=0.02;lbfgs
// `run` lists the optimisers raced, each with the parameters that differ from the page's
// defaults. parseShareHash throws an Error naming the first bad field; nothing changes then.

// The systems' keys in the engine's order, and what the engine says of each ({key,
// description, units, energy, length, temperature, datasetTemperature, species, search});
// the drivers the engine runs (its optimisers, then basin-hopping and policy): set by
// useEngineLists(M) when the module has loaded, before any control is built.
export let SYSTEMS = [];
let engineSystems = new Map();
export let DRIVERS = [];
export function useEngineLists(M) {
  const known = M.Engine.knownSystems();
  engineSystems = new Map(known.map((s) => [s.key, s]));
  SYSTEMS = known.map((s) => s.key);
  DRIVERS = M.Engine.driverNames();
}

// What the page says about each system: a name, one line, the units of energy, length and
// temperature, the shake temperature, the bond length drawn (length unit), and the species'
// colours and radii (fractions of the mean spacing; of sigma for a free cluster).
// systemInfo() makes the same from the engine for a system not listed here.
const SYSTEM_INFO = {
  'lj-binary': {
    name: 'binary Lennard-Jones glass', line: 'Kob-Andersen 80:20 mixture of A and B atoms: the classic model glass',
    energy: 'ε', length: 'σ', temperature: 'ε/k_B', shakeTemperature: 2.0,
    species: { A: { colour: 0xd8d8e0, radius: 0.32 }, B: { colour: 0xff8a3d, radius: 0.26 } },
  },
  'sw-si': {
    name: 'silicon (Stillinger-Weber)', line: 'covalent silicon with a three-body term that favours tetrahedral bonds; N = 8 k³',
    energy: 'eV', length: 'Å', temperature: 'K', shakeTemperature: 3000, bondLength: 2.8,
    species: { Si: { colour: 0xe0c060, radius: 0.17 } },
  },
  csh: {
    name: 'cement gel (C-S-H colloids)', line: 'calcium-silicate-hydrate grains as soft Mie 28-14 colloids, the glue of concrete',
    energy: 'kcal/mol', length: 'Å', temperature: 'K', shakeTemperature: 1000,
    species: { CSH: { colour: 0xb0b8c8, radius: 0.32 } },
  },
  lj: {
    name: 'Lennard-Jones cluster', line: 'one species of atoms held by the 12-6 potential; N = 13, 38, 55 have famous minima',
    energy: 'ε', length: 'σ', temperature: 'ε/k_B', shakeTemperature: 0.3,
    species: { X: { colour: 0x8fd0ff, radius: 0.5 } },
  },
};

const SPECIES_COLOURS = [0x8fd0ff, 0xff8a3d, 0x9be08f, 0xe08fd0];

// The page's description of system `key` (SYSTEM_INFO's, or one made from the engine's).
export function systemInfo(key) {
  if (SYSTEM_INFO[key]) return SYSTEM_INFO[key];
  const s = engineSystems.get(key);
  return {
    name: key, line: s.description, energy: s.energy, length: s.length, temperature: s.temperature,
    shakeTemperature: s.datasetTemperature,
    species: Object.fromEntries(s.species.map((name, i) => [name, { colour: SPECIES_COLOURS[i % SPECIES_COLOURS.length], radius: 0.3 }])),
  };
}

// The shipped policies: one entry each (file under the site's shared/, for one system).
// A lane named 'policy' races the first entry for the structure's system.
export const POLICIES = [
  { system: 'lj-binary', file: 'shared/policy-lj-binary-100.weights', trainedOn: 'N = 100' },
  { system: 'sw-si', file: 'shared/policy-sw-si-64.weights', trainedOn: 'N = 64' },
  { system: 'csh', file: 'shared/policy-csh-152.weights', trainedOn: 'N = 152' },
];
// Largest N the page accepts (the viewport and the per-frame budget are sized for ~1000s).
export const MAX_ATOMS = 5000;

// [{name, value, help}] of a driver for a system: the engine's stable preset (optimisers,
// the default of `strider minimize`: the paper's FIRE diverges on the liquid starts that
// `strider generate` makes), the `strider search` defaults (basin hopping) or the policy's
// seed and mean flag.
export function defaultParameters(M, driver, system) {
  if (driver === 'basin-hopping') {
    const search = engineSystems.get(system).search;
    return [
      { name: 'temperature', value: search.temperature, help: 'Metropolis temperature (energy unit)' },
      { name: 'step_size', value: search.step, help: 'random move per coordinate (length unit)' },
      { name: 'local_fmax', value: search.fmax, help: 'local L-BFGS stops at max |F_i| <= this' },
      { name: 'local_steps', value: 2000, help: 'local L-BFGS step limit' },
      { name: 'seed', value: 1, help: 'seed of the random moves' },
    ];
  }
  if (driver === 'policy') {
    return [
      { name: 'seed', value: 1, help: 'seed of the action noise (strider rollout --seed)' },
      { name: 'mean', value: 0, help: '1: take the mean action (strider rollout --mean)' },
    ];
  }
  return M.Engine.optimizerPreset(driver, system, 'stable');
}

// {name: value} of a driver's parameters.
export function parameterObject(params) {
  return Object.fromEntries(params.map((p) => [p.name, p.value]));
}

// The share hash of a setup and its drivers (enabled ones only).
export function shareHash(M, setup, drivers, maxSteps) {
  const run = drivers.filter((d) => d.enabled).map((d) => {
    const defaults = parameterObject(defaultParameters(M, d.name, setup.system));
    const changed = d.params.filter((p) => p.value !== defaults[p.name]).map((p) => `${p.name}=${p.value}`);
    return changed.length ? `${d.name}:${changed.join(',')}` : d.name;
  });
  const q = new URLSearchParams({ system: setup.system, n: setup.n, seed: setup.seed, eq: setup.equilibration, steps: maxSteps });
  return `#${q.toString()}&run=${run.join(';')}`;
}

// Whole number from text in [lo, hi], or an Error naming the field.
function wholeField(q, key, lo, hi, fallback) {
  if (!q.has(key)) return fallback;
  const text = q.get(key);
  const v = Number(text);
  if (!/^\d+$/.test(text) || v < lo || v > hi) throw new Error(`share link: ${key}=${text} is not a whole number in [${lo}, ${hi}]`);
  return v;
}

// {setup, maxSteps, run: [{name, params: {k: v}}]} from a hash; Error on nonsense.
export function parseShareHash(hash, fallbackSetup) {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const system = q.get('system') ?? fallbackSetup.system;
  if (!SYSTEMS.includes(system)) throw new Error(`share link: unknown system '${system}' (known: ${SYSTEMS.join(', ')})`);
  const setup = {
    system,
    n: wholeField(q, 'n', 2, MAX_ATOMS, fallbackSetup.n),
    seed: wholeField(q, 'seed', 0, 2 ** 30, fallbackSetup.seed),
    equilibration: wholeField(q, 'eq', 0, 1000000, fallbackSetup.equilibration),
  };
  const maxSteps = wholeField(q, 'steps', 1, 10000000, 1000);
  const run = (q.get('run') || 'fire').split(';').filter((s) => s).map((item) => {
    const [name, list] = item.split(':');
    if (!DRIVERS.includes(name)) throw new Error(`share link: unknown optimiser '${name}' (known: ${DRIVERS.join(', ')})`);
    const params = {};
    for (const pair of (list ? list.split(',') : [])) {
      const [k, v] = pair.split('=');
      const x = Number(v);
      if (!k || v === undefined || v.trim() === '' || !Number.isFinite(x)) {
        throw new Error(`share link: ${name} parameter '${pair}' is not NAME=NUMBER`);
      }
      params[k] = x;
    }
    return { name, params };
  });
  return { setup, maxSteps, run };
}
