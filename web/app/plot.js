// The energy plot (uPlot): one line per race lane against steps or energy evaluations,
// E/N in the system's unit or its gap to the lowest E/N seen on a log axis; axes with ticks
// and units, a legend with each lane's value under the cursor. Only the lanes' own steps
// are plotted: drags, shakes and playback add no points. Non-finite values are left out.
import uPlot from 'uplot';

const MAX_POINTS_PER_LANE = 1000;  // longer curves are thinned (every k-th point and the last)

// Indices of at most MAX_POINTS_PER_LANE points of a curve of `length`, the last included.
function thinned(length) {
  const stride = Math.max(1, Math.ceil(length / MAX_POINTS_PER_LANE));
  const out = [];
  for (let k = 0; k < length; k += stride) out.push(k);
  if (length > 0 && out[out.length - 1] !== length - 1) out.push(length - 1);
  return out;
}

const hex = (rgb) => `#${rgb.toString(16).padStart(6, '0')}`;

export class EnergyPlot {
  // element: the plot's container; its size follows the element's.
  constructor(element) {
    this.element = element;
    this.plot = null;
    this.signature = '';
    this.x = 'steps';        // 'steps' or 'evaluations'
    this.y = 'energy';       // 'energy' (E/N) or 'gap' (E/N - lowest, log axis)
    this.unit = '';
    new ResizeObserver(() => this.resize()).observe(element);
  }

  size() {
    const legend = this.plot ? this.plot.root.querySelector('.u-legend') : null;
    const legendHeight = legend ? legend.offsetHeight : 0;
    return { width: Math.max(this.element.clientWidth, 100), height: Math.max(this.element.clientHeight - legendHeight - 4, 80) };
  }

  resize() {
    if (this.plot) this.plot.setSize(this.size());
  }

  // Redraws from the lanes ([{name, color, curve: {steps, evaluations, energy}}]); unit:
  // the energy unit's symbol.
  update(lanes, unit) {
    const signature = [this.x, this.y, unit, ...lanes.map((l) => `${l.name}:${l.color}`)].join('|');
    if (signature !== this.signature) this.rebuild(lanes, unit, signature);
    const size = this.size();
    if (size.width !== this.plot.width || size.height !== this.plot.height) this.plot.setSize(size);
    this.plot.setData(this.data(lanes), true);
  }

  // [x, y_0, y_1, ...] aligned on the union of the lanes' x values (uPlot's table form);
  // a lane has null where it has no point (lines span the gaps).
  data(lanes) {
    let lowest = Infinity;
    for (const lane of lanes) for (const e of lane.curve.energy) if (Number.isFinite(e) && e < lowest) lowest = e;
    const floor = Math.max(Math.abs(lowest) * 1e-12, 1e-300);
    const columns = lanes.map((lane) => {
      const xs = lane.curve[this.x];
      const ys = lane.curve.energy;
      const points = new Map();
      for (const k of thinned(ys.length)) {
        const y = this.y === 'gap' ? Math.max(ys[k] - lowest, floor) : ys[k];
        if (Number.isFinite(y) && Number.isFinite(xs[k])) points.set(xs[k], y);
      }
      return points;
    });
    const x = [...new Set(columns.flatMap((c) => [...c.keys()]))].sort((a, b) => a - b);
    return [x, ...columns.map((c) => x.map((v) => (c.has(v) ? c.get(v) : null)))];
  }

  rebuild(lanes, unit, signature) {
    if (this.plot) this.plot.destroy();
    this.signature = signature;
    const gap = this.y === 'gap';
    const yLabel = gap ? `E/N − lowest E/N (${unit}, log)` : `E/N (${unit})`;
    const format = (v) => (v === null || v === undefined ? '–' : gap ? v.toExponential(2) : v.toFixed(5));
    const axis = { stroke: '#ccd', grid: { stroke: '#2c2c38' }, ticks: { stroke: '#555' } };
    this.plot = new uPlot({
      ...this.size(),
      scales: { x: { time: false }, y: gap ? { distr: 3 } : {} },
      axes: [
        { ...axis, label: this.x === 'steps' ? 'steps' : 'energy evaluations' },
        { ...axis, label: yLabel, size: 70 },
      ],
      series: [
        { label: this.x },
        ...lanes.map((lane) => ({ label: lane.name, stroke: hex(lane.color), width: 2, spanGaps: true, value: (u, v) => format(v) })),
      ],
      legend: { live: true },
      cursor: { drag: { x: true, y: false } },
    }, this.data(lanes), this.element);
    this.resize();
  }

  // For tests: the drawn series' labels and their finite y values' count and range.
  summary() {
    if (!this.plot) return null;
    const ys = this.plot.data.slice(1).flat().filter((v) => v !== null);
    return {
      series: this.plot.series.slice(1).map((s) => s.label),
      xLabel: this.plot.axes[0].label, yLabel: this.plot.axes[1].label,
      points: ys.length, allFinite: ys.every(Number.isFinite), yMin: Math.min(...ys), yMax: Math.max(...ys),
      logScale: this.plot.scales.y.distr === 3,
    };
  }
}
