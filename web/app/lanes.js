// Race lanes: one engine copy of the start structure per optimiser, stepped within a time
// budget per animation frame, so compute never freezes the page (the engine runs on the
// main thread: three.js reads positions straight from typed-array views of the wasm heap,
// which a Web Worker could only hand over as copies).

const COLOURS = [0x4e9cff, 0xffa64e, 0x5fd068, 0xff5f7a, 0xc78bff, 0xf0e050, 0x50e0e0];

export class Lane {
  // start: the Engine to copy; driver: name; params: {name: value}; policyText for 'policy'.
  constructor(start, driver, params, index, policyText) {
    this.name = driver;
    this.color = COLOURS[index % COLOURS.length];
    this.engine = start.clone();
    this.n = this.engine.size();
    try {
      if (driver === 'policy') this.engine.loadPolicy(policyText, 'policy-lj-binary-100.weights');
      const first = this.engine.start(driver, params);
      this.curve = [first.energy / this.n];
      this.steps = 0;
      this.evaluations = first.evaluations;
      this.energyPerAtom = this.bestPerAtom = first.energy / this.n;
      this.error = '';
    } catch (error) {
      this.engine.delete();
      throw error;
    }
  }

  // Steps until `deadline` (performance.now() ms) or `maxSteps`; records E/N per step.
  // A diverged run stops the lane with its message.
  run(deadline, maxSteps) {
    while (!this.error && this.steps < maxSteps && performance.now() < deadline) this.stepOnce();
  }

  stepOnce() {
    try {
      const r = this.engine.step();
      this.record(r);
    } catch (error) {
      this.error = `${this.name}: ${error.message}`;
    }
  }

  record(r) {
    this.steps = r.step;
    this.evaluations = r.evaluations;
    this.energyPerAtom = r.energy / this.n;
    this.bestPerAtom = Math.min(this.bestPerAtom, this.energyPerAtom);
    this.curve.push(this.energyPerAtom);
  }

  // After the structure was moved from outside (drag, shake, adapt): the optimiser
  // restarted there; the curve goes on from the new energy.
  moved() {
    this.energyPerAtom = this.engine.energyPerAtom();
    this.curve.push(this.energyPerAtom);
  }

  done(maxSteps) {
    return Boolean(this.error) || this.steps >= maxSteps;
  }

  // What the panel and the test API see.
  summary() {
    return {
      name: this.name, color: this.color, curve: this.curve, steps: this.steps, evaluations: this.evaluations,
      energyPerAtom: this.energyPerAtom, bestPerAtom: this.bestPerAtom, error: this.error,
    };
  }

  dispose() {
    this.engine.delete();
  }
}
