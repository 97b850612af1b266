// The server features (shared/api/README.md): send the current setup as a job, follow
// its progress (Server-Sent Events), open its result with trajectory playback, and the
// /r/ID share link. Hidden when GET api/limits fails: the page then runs as static files.

const JOB_ID = /^\/r\/([0-9a-f]{32})$/;

export class Server {
  // element: the #server section; app: {setup() -> {system, n, ..., drivers}, structure() -> extxyz,
  // policy() -> weight text or null, say(text, isError), openResult(text, name), playFrame(text)}.
  constructor(element, app) {
    this.element = element;
    this.app = app;
    this.available = false;
    this.job = null;       // the latest job as the server described it
    this.frames = [];      // trajectory frames (extxyz texts) of the opened result
    this.status = element.querySelector('#job-status');
    // The API's address, fixed now: showing a result moves the page to /r/ID.
    this.api = new URL('api/', document.baseURI).href;
    element.querySelector('#job-submit').addEventListener('click', () => this.submit().catch((e) => app.say(e.message, true)));
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
    return this.available;
  }

  // The job request for the current setup (shared/api/job-request.schema.json).
  request(kind) {
    const setup = this.app.setup();
    const structure = this.app.structure();
    if (kind === 'adapt') {
      const policy = this.app.policy();
      if (!policy) throw new Error('an adapt job needs the policy (tick "policy" on an lj-binary structure)');
      return { command: 'adapt', structure, policy, options: { epochs: 100, seeds: 2 } };
    }
    const first = setup.drivers.find((d) => d.name !== 'policy' && d.name !== 'basin-hopping');
    if (!first) throw new Error('a minimize job needs one of gd, adam, fire, fire2, lbfgs ticked');
    const set = Object.entries(first.params).map(([k, v]) => `${k}=${v}`).join(',');
    return { command: 'minimize', structure, options: { optimizer: first.name, steps: setup.maxSteps, set } };
  }

  async submit() {
    const kind = this.element.querySelector('#job-kind').value;
    const response = await fetch(`${this.api}jobs`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(this.request(kind)),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`server: ${body.error || response.status}`);
    this.app.say(`job ${body.id} queued`);
    this.follow(body.id);
    return body.id;
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

  show() {
    const j = this.job;
    const p = j.progress ? ` ${j.progress.done}/${j.progress.total} ${j.progress.label} ${j.progress.note || ''}` : '';
    this.status.textContent = `job ${j.id.slice(0, 8)}: ${j.status} (${j.stage})${p}${j.error ? ' ' + j.error : ''} `;
    if (j.status === 'succeeded') {
      const open = document.createElement('a');
      open.href = j.share_url;
      open.textContent = 'open result';
      open.id = 'job-open';
      open.addEventListener('click', (e) => { e.preventDefault(); this.open(j.id).catch((err) => this.app.say(err.message, true)); });
      this.status.append(open);
    }
  }

  // Opens a finished job: its final structure in the view, its trajectory (if any) for playback.
  async open(id) {
    const response = await fetch(`${this.api}jobs/${id}`);
    if (!response.ok) throw new Error(`result ${id}: HTTP ${response.status}`);
    this.job = await response.json();
    if (this.job.status !== 'succeeded') throw new Error(`result ${id}: the job ${this.job.status}`);
    history.replaceState(null, '', this.job.share_url);
    const file = async (name) => {
      const r = await fetch(`${this.api}jobs/${id}/files/${name}`);
      if (!r.ok) throw new Error(`result ${id}: ${name}: HTTP ${r.status}`);
      return r.text();
    };
    const has = (name) => this.job.files.includes(name);
    this.frames = has('trajectory.xyz') ? splitFrames(await file('trajectory.xyz')) : [];
    // The final structure: structure.xyz, or the trajectory's last frame.
    const final = has('structure.xyz') ? await file('structure.xyz') : this.frames[this.frames.length - 1];
    if (!final) throw new Error(`result ${id}: the job left no structure (files: ${this.job.files.join(', ')})`);
    await this.app.openResult(final, `result ${id.slice(0, 8)}`);
    this.playback();
    this.app.say(`opened result ${id} (${this.frames.length} trajectory frames)`);
  }

  // Play / scrub controls over this.frames.
  playback() {
    let bar = this.element.querySelector('#playback');
    if (bar) bar.remove();
    if (this.frames.length < 2) return;
    bar = document.createElement('p');
    bar.id = 'playback';
    bar.innerHTML = '<button id="play">Play</button> <input id="scrub" type="range" min="0" value="0"> <span id="frame"></span>';
    this.element.append(bar);
    const scrub = bar.querySelector('#scrub');
    scrub.max = String(this.frames.length - 1);
    const show = () => {
      this.app.playFrame(this.frames[Number(scrub.value)]);
      bar.querySelector('#frame').textContent = `frame ${scrub.value} / ${this.frames.length - 1}`;
    };
    scrub.addEventListener('input', show);
    let timer = null;
    bar.querySelector('#play').addEventListener('click', () => {
      if (timer) { clearInterval(timer); timer = null; return; }
      timer = setInterval(() => {
        scrub.value = String((Number(scrub.value) + 1) % this.frames.length);
        show();
      }, 50);
    });
  }

  // The job id of a /r/ID address, or null.
  static jobInPath() {
    const m = JOB_ID.exec(location.pathname);
    return m ? m[1] : null;
  }
}

// The frames of a multi-frame extxyz text, each as its own text.
export function splitFrames(text) {
  const lines = text.split('\n');
  const frames = [];
  for (let k = 0; k < lines.length && lines[k].trim() !== '';) {
    const n = Number(lines[k]);
    if (!Number.isInteger(n) || n < 1) throw new Error(`trajectory: line ${k + 1} is not an atom count`);
    frames.push(lines.slice(k, k + n + 2).join('\n') + '\n');
    k += n + 2;
  }
  return frames;
}
