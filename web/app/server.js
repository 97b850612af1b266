// The server features (shared/api/README.md): send the current setup as a job, follow
// its progress (Server-Sent Events), open its result (structure, trajectory playback,
// adapted policy weights), and the /r/ID share link. Hidden when GET api/limits fails: the
// page then runs as static files.

const JOB_ID = /^\/r\/([0-9a-f]{32})$/;

export class Server {
  // element: the #server section; app: {setup() -> {system, n, ..., drivers}, structure() -> extxyz,
  // atoms() -> N, policy() -> weight text or null, say(text, isError), busy(flag),
  // openResult(text, name), loadWeights(text, name), playback(frames) (frames: Float64Array
  // positions, or null to stop), showFrame(k)}.
  constructor(element, app) {
    this.element = element;
    this.app = app;
    this.available = false;
    this.job = null;       // the latest job as the server described it
    this.frames = [];      // trajectory frames of the opened result (Float64Array positions, 3N)
    this.status = element.querySelector('#job-status');
    // The API's address, fixed now: showing a result moves the page to /r/ID.
    this.api = new URL('api/', document.baseURI).href;
    this.seedTable = element.querySelector('#job-seed-progress');
    this.kind = element.querySelector('#job-kind');
    this.kind.addEventListener('change', () => this.showKind());
    element.querySelector('#job-submit').addEventListener('click', () => this.submit().catch((e) => app.say(e.message, true)));
    this.installPlayback();
    this.detected = this.detect();
  }

  async detect() {
    try {
      const response = await fetch(`${this.api}limits`);
      this.available = response.ok && (response.headers.get('content-type') || '').includes('json');
      if (this.available) this.limits = await response.json();
    } catch {
      this.available = false;
    }
    this.element.hidden = !this.available;
    if (this.available) {
      // The adaptation backends this server has, torch (seeds batched) first: the default.
      const backends = ['torch', 'engine'].filter((b) => (this.limits.backends || ['engine']).includes(b));
      this.element.querySelector('#job-backend').replaceChildren(...backends.map((b) => new Option(b, b)));
      this.showKind();
    }
    return this.available;
  }

  // The adapt options are shown for an adapt job only.
  showKind() {
    this.element.querySelector('#job-adapt-options').hidden = this.kind.value !== 'adapt';
  }

  // Selects an adapt job (the page's own adaptation refuses large N) and puts the focus on Send.
  offerAdapt() {
    this.kind.value = 'adapt';
    this.showKind();
    this.element.querySelector('#job-submit').focus();
  }

  // The whole number >= 1 in the input #id, or an error naming it.
  count(id, name) {
    const value = Number(this.element.querySelector(`#${id}`).value);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number >= 1`);
    return value;
  }

  // The job request for the current setup (shared/api/job-request.schema.json); an adapt job
  // with the epochs, seeds, steps per episode and backend of its controls.
  request(kind) {
    const setup = this.app.setup();
    const structure = this.app.structure();
    if (kind === 'adapt') {
      const policy = this.app.policy();
      if (!policy) throw new Error(`an adapt job needs a policy for ${setup.system} (none is shipped; load weights first)`);
      const options = {
        epochs: this.count('job-epochs', 'epochs'),
        seeds: this.count('job-seeds', 'seeds'),
        steps: this.count('job-steps', 'T (steps per episode)'),
        backend: this.element.querySelector('#job-backend').value,
      };
      return { command: 'adapt', structure, policy, options };
    }
    const first = setup.drivers.find((d) => !['policy', 'adapted', 'basin-hopping'].includes(d.name));
    if (!first) throw new Error('a minimize job needs a local optimiser ticked (not basin hopping or a policy)');
    const set = Object.entries(first.params).map(([k, v]) => `${k}=${v}`).join(',');
    return { command: 'minimize', structure, options: { optimizer: first.name, steps: setup.maxSteps, set } };
  }

  async post(request) {
    const response = await fetch(`${this.api}jobs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(request),
    });
    let body;
    try {
      body = await response.json();
    } catch {
      body = { error: `HTTP ${response.status}` };
    }
    return { ok: response.ok, status: response.status, body };
  }

  async submit() {
    const kind = this.kind.value;
    const request = this.request(kind);
    const answer = await this.post(request);
    if (!answer.ok) throw new Error(`server refused the job (HTTP ${answer.status}): ${answer.body.error || ''}${answer.body.field ? ` [${answer.body.field}]` : ''}`);
    this.atoms = this.app.atoms();
    const backend = kind === 'adapt' ? ` on the ${request.options.backend} backend` : '';
    this.app.say(`job ${answer.body.id.slice(0, 8)} sent: ${kind}, N = ${this.atoms}${backend}`);
    this.seedTable.hidden = true;
    this.follow(answer.body.id);
    return answer.body.id;
  }

  // Follows a job's events until it ends; then offers its result.
  follow(id) {
    const events = new EventSource(`${this.api}jobs/${id}/events`);
    events.addEventListener('job', (event) => {
      this.job = JSON.parse(event.data);
      this.show();
      if (['succeeded', 'failed', 'cancelled'].includes(this.job.status)) events.close();
    });
    events.onerror = () => events.close();
  }

  // The progress note with total energies ("E -712.3  best -715.1") as energies per atom.
  perAtomNote(note) {
    if (!note || !this.atoms) return note || '';
    return note.replace(/\b(E|best) (-?\d[\d.]*(?:e[-+]?\d+)?)/gi,
      (_, name, value) => `${name === 'E' ? '' : `${name} `}E/N ${(Number(value) / this.atoms).toFixed(5)}`);
  }

  show() {
    const j = this.job;
    const p = j.progress ? ` ${j.progress.done}/${j.progress.total} ${j.progress.label} ${this.perAtomNote(j.progress.note)}` : '';
    const backend = j.request && j.request.options && j.request.options.backend;
    const text = `job ${j.id.slice(0, 8)}: ${j.status} (${j.command}${backend ? `, ${backend} backend` : ''})${p}${j.error ? ' — ' + j.error : ''}`;
    this.status.textContent = text + ' ';
    this.app.say(text, j.status === 'failed');
    this.showSeeds(j.progress && j.progress.seeds);
    if (j.status === 'succeeded') {
      const open = document.createElement('a');
      open.href = j.share_url;
      open.textContent = 'open result';
      open.id = 'job-open';
      open.addEventListener('click', (e) => { e.preventDefault(); this.open(j.id).catch((err) => this.app.say(err.message, true)); });
      this.status.append(open);
    }
  }

  // The latest state of every seed of an adapt job (progress.seeds: {seed, epoch, energy,
  // best_energy}, energies in E/N), one row each; hidden when there is none.
  showSeeds(seeds) {
    this.seedTable.hidden = !seeds || !seeds.length || !this.atoms;
    if (this.seedTable.hidden) return;
    const perAtom = (e) => (e / this.atoms).toFixed(5);
    this.seedTable.tBodies[0].replaceChildren(...seeds.map((s) => {
      const row = document.createElement('tr');
      row.dataset.seed = String(s.seed);
      for (const text of [s.target === undefined ? s.seed : `${s.target}:${s.seed}`, s.epoch, perAtom(s.energy), perAtom(s.best_energy)]) {
        row.insertCell().textContent = String(text);
      }
      return row;
    }));
  }

  // Opens a finished job: its final structure in the view, its trajectory (if any) for
  // playback, its adapted policy (if any) as the page's adapted weights. The page's
  // compute pauses meanwhile.
  async open(id) {
    this.app.busy(true);
    try {
      const response = await fetch(`${this.api}jobs/${id}`);
      if (!response.ok) throw new Error(`result ${id}: HTTP ${response.status}`);
      this.job = await response.json();
      if (this.job.status !== 'succeeded') throw new Error(`result ${id}: the job ${this.job.status}`);
      history.replaceState(null, '', this.job.share_url);
      const file = async (name) => {
        if (!this.job.files.includes(name)) return null;
        const r = await fetch(`${this.api}jobs/${id}/files/${name}`);
        if (!r.ok) throw new Error(`result ${id}: ${name}: HTTP ${r.status}`);
        return r.text();
      };
      const [trajectory, structure, weights] = await Promise.all(['trajectory.xyz', 'structure.xyz', 'model.weights'].map(file));
      const frames = trajectory ? trajectoryFrames(trajectory) : null;
      const final = structure || (frames && frames.lastText);
      if (!final) throw new Error(`result ${id}: the job left no structure (files: ${this.job.files.join(', ')})`);
      await this.app.openResult(final, `result ${id.slice(0, 8)}`);
      if (weights) await this.app.loadWeights(weights, `result ${id.slice(0, 8)} model.weights`);
      this.frames = frames ? frames.positions : [];
      this.showPlayback();
      this.app.say(`opened result ${id.slice(0, 8)} (${this.job.command}; ${this.frames.length} trajectory frames${weights ? ', adapted policy loaded as "adapted"' : ''})`);
    } finally {
      this.app.busy(false);
    }
  }

  installPlayback() {
    const q = (s) => this.element.querySelector(s);
    this.scrub = q('#scrub');
    this.timer = null;
    this.scrub.addEventListener('input', () => this.showFrame());
    q('#play').addEventListener('click', () => (this.timer ? this.pause() : this.play()));
    q('#play-speed').addEventListener('change', () => { if (this.timer) { this.pause(); this.play(); } });
    q('#play-stop').addEventListener('click', () => {
      this.pause();
      this.app.playback(null);
    });
  }

  // Plays at the chosen frames per second of wall time: when drawing is slower, frames are
  // skipped rather than the playback slowed down.
  play() {
    const fps = Number(this.element.querySelector('#play-speed').value);
    const start = { frame: Number(this.scrub.value), time: performance.now() };
    this.element.querySelector('#play').textContent = 'Pause';
    this.timer = setInterval(() => {
      const k = (start.frame + Math.floor(((performance.now() - start.time) * fps) / 1000)) % this.frames.length;
      if (k === Number(this.scrub.value)) return;
      this.scrub.value = String(k);
      this.showFrame();
    }, 1000 / fps);
  }

  pause() {
    clearInterval(this.timer);
    this.timer = null;
    this.element.querySelector('#play').textContent = 'Play';
  }

  showFrame() {
    const k = Number(this.scrub.value);
    this.app.playback(this.frames);
    this.app.showFrame(k);
    this.element.querySelector('#frame-label').textContent = `frame ${k} / ${this.frames.length - 1}`;
  }

  // Play / scrub controls over this.frames (hidden when there are fewer than 2), at the
  // last frame; the view shows the trajectory once the user plays or scrubs.
  showPlayback() {
    this.pause();
    this.app.playback(null);
    const bar = this.element.querySelector('#playback');
    bar.hidden = this.frames.length < 2;
    if (bar.hidden) return;
    this.scrub.max = String(this.frames.length - 1);
    this.scrub.value = this.scrub.max;
    this.element.querySelector('#frame-label').textContent = `${this.frames.length} frames`;
  }

  // The job id of a /r/ID address, or null.
  static jobInPath() {
    const m = JOB_ID.exec(location.pathname);
    return m ? m[1] : null;
  }
}

// The frames of a multi-frame extxyz text: {positions: [Float64Array(3N)], lastText}, read
// once (the pos columns located from each frame's Properties=). Throws naming the line.
export function trajectoryFrames(text) {
  const lines = text.split('\n');
  const positions = [];
  let lastStart = 0;
  for (let k = 0; k < lines.length && lines[k].trim() !== '';) {
    const n = Number(lines[k]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`trajectory: line ${k + 1} is not an atom count`);
    if (k + n + 2 > lines.length) throw new Error(`trajectory: the frame at line ${k + 1} ends early`);
    const column = positionColumn(lines[k + 1], k + 2);
    const xyz = new Float64Array(3 * n);
    for (let i = 0; i < n; ++i) {
      const words = lines[k + 2 + i].trim().split(/\s+/);
      for (let a = 0; a < 3; ++a) xyz[3 * i + a] = Number(words[column + a]);
    }
    if (!xyz.every(Number.isFinite)) throw new Error(`trajectory: the frame at line ${k + 1} has a coordinate that is not a number`);
    positions.push(xyz);
    lastStart = k;
    k += n + 2;
  }
  return { positions, lastText: positions.length ? lines.slice(lastStart).join('\n') : null };
}

// The word index of the first position column from an extxyz comment line (Properties=).
function positionColumn(comment, line) {
  const m = /Properties=("?)([^"\s]+)\1/.exec(comment);
  const items = (m ? m[2] : 'species:S:1:pos:R:3').split(':');
  let column = 0;
  for (let k = 0; k + 2 < items.length; k += 3) {
    if (items[k] === 'pos') return column;
    column += Number(items[k + 2]);
  }
  throw new Error(`trajectory: line ${line} has no pos column`);
}
