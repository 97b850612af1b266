// The control panel: plain HTML form controls (keyboard, focus, text selection and scaling
// are the browser's own) bound to the page's state. It owns no run state: edits go into
// the state object and to the page through `on` callbacks; render() shows the state.
import { SYSTEMS, systemInfo } from './setup.js';

const $ = (id) => document.getElementById(id);
const hex = (rgb) => `#${rgb.toString(16).padStart(6, '0')}`;

// A number from an input, or null when it is empty or not a finite number.
function numberOf(input) {
  if (input.value.trim() === '') return null;
  const v = Number(input.value);
  return Number.isFinite(v) ? v : null;
}

export class Controls {
  // state: the page's state; on: {action(name), setupChanged(), driverToggled(name, on),
  // parameterChanged(name), maxStepsChanged(), viewChanged()}.
  constructor(state, on) {
    this.state = state;
    this.on = on;
    const system = $('system');
    for (const key of SYSTEMS) system.append(new Option(`${systemInfo(key).name} (${key})`, key));
    system.addEventListener('change', () => { state.setup.system = system.value; on.setupChanged(); });
    for (const [id, field] of [['n', 'n'], ['seed', 'seed'], ['equilibration', 'equilibration']]) {
      $(id).addEventListener('input', () => {
        const v = numberOf($(id));
        if (v !== null && Number.isInteger(v) && v >= 0) state.setup[field] = v;
        on.setupChanged();
      });
    }
    $('max-steps').addEventListener('input', () => {
      const v = numberOf($('max-steps'));
      if (v !== null && Number.isInteger(v) && v >= 1) {
        state.maxSteps = v;
        on.maxStepsChanged();
      }
    });
    $('shake-temperature').addEventListener('input', () => {
      const v = numberOf($('shake-temperature'));
      if (v !== null && v >= 0) state.shakeTemperature = v;
    });
    for (const id of ['generate', 'run', 'step', 'reset', 'shake', 'adapt', 'download-weights', 'fit', 'demo', 'share',
      'export-xyz', 'export-csv']) {
      $(id).addEventListener('click', () => on.action(id === 'run' && state.running ? 'pause' : id === 'adapt' && state.adapting ? 'adapt-stop' : id));
    }
    $('shown').addEventListener('change', () => { state.shown = $('shown').value; on.viewChanged(); });
    $('colour-mode').addEventListener('change', () => on.viewChanged());
    $('bonds').addEventListener('change', () => on.viewChanged());
    for (const id of ['bar-fixed', 'bar-lo', 'bar-hi']) $(id).addEventListener('input', () => on.viewChanged());
    $('help-open').addEventListener('click', () => $('help').showModal());
    this.driverList = $('drivers');
    this.driverSignature = '';
    this.fill();
  }

  // Puts the state's setup and settings into the form (after a share link, a file, a demo).
  fill() {
    const s = this.state;
    $('system').value = s.setup.system;
    $('n').value = s.setup.n;
    $('seed').value = s.setup.seed;
    $('equilibration').value = s.setup.equilibration;
    $('max-steps').value = s.maxSteps;
    $('shake-temperature').value = s.shakeTemperature;
    this.driverSignature = '';
  }

  // The view options chosen: {colourMode, fixedRange: [lo, hi] or null, bonds}.
  viewOptions() {
    const lo = numberOf($('bar-lo'));
    const hi = numberOf($('bar-hi'));
    const fixed = $('bar-fixed').checked;
    $('bar-range').hidden = !fixed;
    return { colourMode: $('colour-mode').value, fixedRange: fixed && lo !== null && hi !== null && hi > lo ? [lo, hi] : null, bonds: $('bonds').checked };
  }

  // Sets the colour bar's fixed-range fields to [lo, hi] (when ticking "fixed" they start there).
  offerRange([lo, hi]) {
    if (!$('bar-fixed').checked) {
      $('bar-lo').value = lo.toPrecision(5);
      $('bar-hi').value = hi.toPrecision(5);
    }
  }

  // The optimiser list: a checkbox, its colour (colourOf(name): 0xRRGGBB) and its
  // parameters per driver. Rebuilt only when the list changes (open parameters stay open).
  renderDrivers(colourOf) {
    const drivers = this.state.drivers;
    const signature = JSON.stringify(drivers.map((d) => [d.name, d.label, d.unavailable, d.params.length]));
    if (signature === this.driverSignature) {
      for (const d of drivers) this.driverList.querySelector(`[data-driver="${d.name}"] input[type=checkbox]`).checked = d.enabled;
      return;
    }
    this.driverSignature = signature;
    this.driverList.replaceChildren(...drivers.map((d) => {
      const row = document.createElement('div');
      row.className = 'driver';
      row.dataset.driver = d.name;
      const label = document.createElement('label');
      const box = Object.assign(document.createElement('input'), { type: 'checkbox', checked: d.enabled, disabled: Boolean(d.unavailable) });
      box.setAttribute('aria-label', `use ${d.name}`);
      box.addEventListener('change', () => this.on.driverToggled(d.name, box.checked));
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = hex(colourOf(d.name));
      label.append(box, swatch, d.label);
      if (d.unavailable) label.title = d.unavailable;
      label.classList.toggle('disabled', Boolean(d.unavailable));
      row.append(label);
      if (d.params.length) {
        const details = document.createElement('details');
        details.append(Object.assign(document.createElement('summary'), { textContent: 'parameters' }));
        for (const p of d.params) {
          const field = document.createElement('label');
          field.title = p.help;
          const input = Object.assign(document.createElement('input'), { type: 'number', step: 'any', value: p.value });
          input.setAttribute('aria-label', `${d.name} ${p.name}`);
          input.addEventListener('change', () => {
            const v = numberOf(input);
            if (v === null) return;
            p.value = v;
            this.on.parameterChanged(d.name);
          });
          field.append(p.name, input);
          details.append(field);
        }
        row.append(details);
      }
      return row;
    }));
  }

  // Everything else that shows the state: buttons, the pending mark, the shown lane's
  // choice, the status line and the race table.
  render(view) {
    const s = this.state;
    $('run').textContent = s.running ? 'Pause' : 'Run';
    $('adapt').textContent = s.adapting ? 'Stop adapting' : 'Adapt policy';
    $('pending').hidden = !view.pending;
    $('generate').disabled = s.busy;
    $('download-weights').disabled = !view.canDownloadWeights;
    $('system-line').textContent = systemInfo(s.setup.system).line + ` · energy in ${systemInfo(s.setup.system).energy}, length in ${systemInfo(s.setup.system).length}`;
    $('temperature-unit').textContent = ` ${view.temperatureUnit}`;
    $('status').textContent = view.status;
    const shown = $('shown');
    const names = view.lanes.map((l) => l.name);
    if ([...shown.options].map((o) => o.value).join() !== names.join()) {
      shown.replaceChildren(...names.map((n) => new Option(n, n)));
    }
    if (names.includes(s.shown)) shown.value = s.shown;
    const body = document.querySelector('#race tbody');
    const rows = view.lanes.map((l) => {
      const cells = l.error
        ? [`<td class="diverged" colspan="2" title="${l.error}">diverged</td>`, `<td>${l.bestPerAtom.toFixed(5)}</td>`]
        : [`<td>${l.evaluations}</td>`, `<td>${l.energyPerAtom.toFixed(5)}</td>`, `<td>${l.bestPerAtom.toFixed(5)}</td>`];
      return `<tr data-lane="${l.name}"><td style="color:${hex(l.color)}">${l.name}</td><td>${l.steps}</td>${cells.join('')}</tr>`;
    }).join('');
    if (body.innerHTML !== rows) body.innerHTML = rows;
    const head = `<tr><th>optimiser</th><th>steps</th><th>evals</th><th>E/N (${view.energyUnit})</th><th>lowest</th></tr>`;
    const thead = document.querySelector('#race thead');
    if (thead.innerHTML !== head) thead.innerHTML = head;
  }
}
