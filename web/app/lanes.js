// Race lanes: one engine copy of the start structure per optimiser, stepped within a time
// budget per animation frame, so compute never freezes the page (the engine runs on the
// main thread: three.js reads positions straight from typed-array views of the wasm heap,
// which a Web Worker could only hand over as copies).

// Each optimiser's colour (0xRRGGBB) in the view's lists, the plot and the table.
const COLOURS = {
  fire: 0x4e9cff, policy: 0xffa64e, lbfgs: 0x5fd068, fire2: 0xff5f7a, gd: 0xc78bff, adam: 0xf0e050,
  'basin-hopping': 0x50e0e0, adapted: 0xff9ee0,
};
export const laneColour = (name) => COLOURS[name] ?? 0xcccccc;

export class Lane {
  // start: the Engine to copy; key: the optimiser's key in the page ('fire', 'policy',
  // 'adapted', ...); driver: the engine's driver name; params: {name: value}; policy:
  // {text, source} for a policy lane.
  constructor(start, key, driver, params, policy) {
    this.name = key;
    this.color = laneColour(key);
    this.engine = start.clone();
    this.n = this.engine.size();
    try {
      if (policy) this.engine.loadPolicy(policy.text, policy.source);
      const first = this.engine.start(driver, params);
      this.steps = 0;                   // steps since the lane started (drags included)
      this.evaluations = first.evaluations;
      this.offset = { steps: 0, evaluations: 0 };  // counts before the engine's driver last restarted
      this.energyPerAtom = this.bestPerAtom = first.energy / this.n;
      // The curve: per recorded step, the lane's step, evaluations and E/N (energy unit per atom).
      this.curve = { steps: [0], evaluations: [first.evaluations], energy: [this.energyPerAtom] };
      this.limit = 0;                   // steps the lane may take (Run raises it)
      this.error = '';                  // "diverged at step K: ..." once the run blew up
      this.lastGood = this.engine.positions().slice();
    } catch (error) {
      this.engine.delete();
      throw error;
    }
  }

  // Steps until `deadline` (performance.now() ms) or its step limit; a diverged run stops
  // the lane, puts back its last finite structure and keeps the message.
  run(deadline) {
    while (!this.done() && performance.now() < deadline) this.stepOnce();
    if (!this.error) this.lastGood = this.engine.positions().slice();
  }

  stepOnce() {
    if (this.error) return;
    let r;
    try {
      r = this.engine.step();
    } catch (error) {
      this.diverged(error.message);
      return;
    }
    if (!Number.isFinite(r.energy)) {
      this.diverged(`the energy is ${r.energy}`);
      return;
    }
    this.steps = this.offset.steps + r.step;
    this.evaluations = this.offset.evaluations + r.evaluations;
    this.energyPerAtom = r.energy / this.n;
    this.bestPerAtom = Math.min(this.bestPerAtom, this.energyPerAtom);
    this.curve.steps.push(this.steps);
    this.curve.evaluations.push(this.evaluations);
    this.curve.energy.push(this.energyPerAtom);
  }

  diverged(message) {
    this.error = `diverged at step ${this.steps + 1}: ${message.replace(/^diverged: /, '')}`;
    try {
      this.engine.setPositions(this.lastGood);
      this.energyPerAtom = this.engine.energyPerAtom();
    } catch {
      // the last good structure is finite by construction; nothing else to restore
    }
  }

  // After the structure was moved from outside (drag, shake, adapt): the engine restarted
  // its optimiser there; the lane's counts go on (no point is added to the curve).
  moved() {
    this.offset = { steps: this.steps, evaluations: this.evaluations };
    this.energyPerAtom = this.engine.energyPerAtom();
    if (Number.isFinite(this.energyPerAtom)) this.lastGood = this.engine.positions().slice();
  }

  done() {
    return Boolean(this.error) || this.steps >= this.limit;
  }

  // What the table and the test API see.
  summary() {
    return {
      name: this.name, color: this.color, steps: this.steps, evaluations: this.evaluations,
      energyPerAtom: this.energyPerAtom, bestPerAtom: this.bestPerAtom, error: this.error,
    };
  }

  dispose() {
    this.engine.delete();
  }
}
