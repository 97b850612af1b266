// The 3D view: instanced spheres coloured by per-atom energy (or by species, with
// per-species radii), atoms wrapped into the periodic box, bonds, the box, an orbit camera
// and dragging one atom with the mouse. Positions and energies are read from typed-array
// views of the wasm heap every frame (no copies, no JSON). Rendered at the device's pixel
// density.
import * as THREE from 'three';
import { OrbitControls } from './three/OrbitControls.js';

// Colour ramp for t in [0, 1]: blue (lowest energy), cyan, yellow, red (highest); the
// colour bar's CSS gradient (style.css) has the same stops. A non-finite t is grey.
const RAMP = [[0.17, 0.24, 1.0], [0.13, 0.75, 0.75], [0.94, 0.88, 0.25], [1.0, 0.19, 0.13]];
function rampColour(t, colour) {
  if (!Number.isFinite(t)) return colour.setRGB(0.5, 0.5, 0.5);
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const k = Math.min(Math.floor(x), RAMP.length - 2);
  const f = x - k;
  return colour.setRGB(...RAMP[k].map((c, i) => c + f * (RAMP[k + 1][i] - c)));
}

// [lo, hi] of the finite values (or [0, 1] when there are none).
function finiteRange(values) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; ++i) {
    const v = values[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

const BOND_COLOUR = 0xd0d0d8;
const MAX_BONDED_ATOMS = 2000;  // bonds are found by all pairs: beyond this they are not drawn

export class Viewport {
  // element: the container div; drag: {start(i), move(i, x, y, z), end(i)}: an atom grabbed,
  // moved to (x, y, z) (length unit), released.
  constructor(element, drag) {
    this.element = element;
    this.drag = drag;
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(element.clientWidth, element.clientHeight);
    element.appendChild(this.renderer.domElement);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x0e0e14);
    this.camera = new THREE.PerspectiveCamera(45, element.clientWidth / Math.max(element.clientHeight, 1), 0.01, 10000);
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.6));
    const light = new THREE.DirectionalLight(0xffffff, 1.6);
    light.position.set(1, 2, 3);
    this.camera.add(light);
    this.scene.add(this.camera);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    // The view takes the keyboard focus on a click or Tab; then the arrow keys pan it.
    this.renderer.domElement.tabIndex = 0;
    this.controls.listenToKeyEvents(this.renderer.domElement);
    this.mesh = null;
    this.boxLines = null;
    this.bonds = null;
    this.dragging = -1;
    // What the page chose: colour by 'energy' or 'species'; a fixed colour range [lo, hi]
    // or null; the bond length (length unit) or 0 for no bonds.
    this.options = { colourMode: 'energy', fixedRange: null, bondLength: 0 };
    this.installDrag();
    new ResizeObserver(() => this.resize()).observe(element);
  }

  resize() {
    const { clientWidth: w, clientHeight: h } = this.element;
    if (w === 0 || h === 0) return;
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  // A new structure: N spheres of `radius` (length unit) scaled per species by
  // `species.scale[k]` when coloured by species, coloured `species.colour[k]`; the box
  // (lo, length, periodic); the camera framed at the next update.
  setStructure(n, box, radius, species) {
    for (const object of [this.mesh, this.boxLines, this.bonds]) {
      if (object) {
        this.scene.remove(object);
        object.geometry.dispose();
      }
    }
    const geometry = n > 500 ? new THREE.SphereGeometry(radius, 10, 7) : new THREE.SphereGeometry(radius, 16, 12);
    this.mesh = new THREE.InstancedMesh(geometry, new THREE.MeshStandardMaterial({ roughness: 0.5 }), n);
    this.mesh.instanceMatrix.setUsage(THREE.DynamicDrawUsage);
    this.scene.add(this.mesh);
    this.boxLines = null;
    const size = box.periodic.some((p) => p) ? box.length : [0, 0, 0];
    if (size.every((s) => s > 0)) {
      const edges = new THREE.EdgesGeometry(new THREE.BoxGeometry(...size));
      this.boxLines = new THREE.LineSegments(edges, new THREE.LineBasicMaterial({ color: 0x8890a0 }));
      this.boxLines.position.set(...box.lo.map((lo, a) => lo + size[a] / 2));
      this.scene.add(this.boxLines);
    }
    const bondGeometry = new THREE.BufferGeometry();
    bondGeometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(0), 3));
    this.bonds = new THREE.LineSegments(bondGeometry, new THREE.LineBasicMaterial({ color: BOND_COLOUR }));
    this.scene.add(this.bonds);
    this.box = box;
    this.species = species;
    this.wrapped = new Float64Array(3 * n);
    this.framed = false;
  }

  // Atoms into the box along its periodic axes (what the eye expects of a periodic cell).
  wrap(positions) {
    const { lo, length, periodic } = this.box;
    const out = this.wrapped;
    for (let i = 0; i < out.length; ++i) {
      const a = i % 3;
      const x = positions[i];
      out[i] = periodic[a] ? lo[a] + (((x - lo[a]) % length[a]) + length[a]) % length[a] : x;
    }
    return out;
  }

  // Places the spheres from a Float64Array (3N, length unit) and colours them from per-atom
  // energies (N) and species indices (N); returns the colour range [lo, hi] of the energies
  // (the fixed one if set). Non-finite values never reach the colours or the camera.
  update(positions, energies, speciesIndex) {
    const n = energies.length;
    const xyz = this.wrap(positions);
    const range = this.options.fixedRange || finiteRange(energies);
    const span = range[1] > range[0] ? range[1] - range[0] : 1;
    const bySpecies = this.options.colourMode === 'species';
    const m = new THREE.Matrix4();
    const colour = new THREE.Color();
    for (let i = 0; i < n; ++i) {
      const s = speciesIndex[i];
      const scale = bySpecies ? this.species.scale[s] : 1;
      m.makeScale(scale, scale, scale);
      const [x, y, z] = [xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]];
      if (Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z)) m.setPosition(x, y, z);
      this.mesh.setMatrixAt(i, m);
      if (bySpecies) colour.setHex(this.species.colour[s]);
      else rampColour((energies[i] - range[0]) / span, colour);
      this.mesh.setColorAt(i, colour);
    }
    this.mesh.instanceMatrix.needsUpdate = true;
    if (this.mesh.instanceColor) this.mesh.instanceColor.needsUpdate = true;
    this.mesh.computeBoundingSphere();
    this.updateBonds(xyz);
    if (!this.framed) this.fit();
    return range;
  }

  // Segments between atoms closer than the bond length (nearest image; a bond across the
  // boundary is drawn from each atom half way to its partner's image).
  updateBonds(xyz) {
    const cutoff = this.options.bondLength;
    const n = xyz.length / 3;
    const segments = [];
    if (cutoff > 0 && n <= MAX_BONDED_ATOMS) {
      const { length, periodic } = this.box;
      const d = [0, 0, 0];
      for (let i = 0; i < n; ++i) {
        for (let j = i + 1; j < n; ++j) {
          let r2 = 0;
          for (let a = 0; a < 3; ++a) {
            d[a] = xyz[3 * j + a] - xyz[3 * i + a];
            if (periodic[a]) d[a] -= length[a] * Math.round(d[a] / length[a]);
            r2 += d[a] * d[a];
          }
          if (r2 >= cutoff * cutoff) continue;
          const [xi, yi, zi] = [xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]];
          const [xj, yj, zj] = [xyz[3 * j], xyz[3 * j + 1], xyz[3 * j + 2]];
          const direct = Math.abs(xj - xi - d[0]) + Math.abs(yj - yi - d[1]) + Math.abs(zj - zi - d[2]) < 1e-9;
          if (direct) segments.push(xi, yi, zi, xj, yj, zj);
          else {
            segments.push(xi, yi, zi, xi + d[0] / 2, yi + d[1] / 2, zi + d[2] / 2);
            segments.push(xj, yj, zj, xj - d[0] / 2, yj - d[1] / 2, zj - d[2] / 2);
          }
        }
      }
    }
    this.bonds.geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(segments), 3));
    this.bondCount = segments.length / 6;
  }

  // Points the camera at the structure so that all of it is in view.
  fit() {
    const sphere = this.mesh.boundingSphere;
    const radius = sphere && Number.isFinite(sphere.radius) && sphere.radius > 0 ? sphere.radius : 10;
    const centre = this.boxLines ? this.boxLines.position : sphere ? sphere.center : new THREE.Vector3();
    const halfAngle = THREE.MathUtils.degToRad(this.camera.fov / 2);
    const fitHeight = radius / Math.sin(halfAngle);
    const fitWidth = radius / Math.sin(Math.atan(Math.tan(halfAngle) * this.camera.aspect));
    const distance = 1.05 * Math.max(fitHeight, fitWidth);
    this.controls.target.copy(centre);
    this.camera.position.copy(centre).add(new THREE.Vector3(0.5, 0.4, 1).normalize().multiplyScalar(distance));
    this.camera.near = distance / 100;
    this.camera.far = distance * 100;
    this.camera.updateProjectionMatrix();
    this.controls.update();
    this.framed = true;
  }

  render() {
    this.renderer.render(this.scene, this.camera);
  }

  // Mouse: press on an atom to grab it (the camera stays still), move to drag it in the
  // plane facing the camera, release to let go. Elsewhere the orbit camera works.
  installDrag() {
    const canvas = this.renderer.domElement;
    const raycaster = new THREE.Raycaster();
    const plane = new THREE.Plane();
    const hit = new THREE.Vector3();
    const pointer = (event) => {
      const r = canvas.getBoundingClientRect();
      return new THREE.Vector2(((event.clientX - r.left) / r.width) * 2 - 1, -((event.clientY - r.top) / r.height) * 2 + 1);
    };
    canvas.addEventListener('pointerdown', (event) => {
      if (!this.mesh) return;
      raycaster.setFromCamera(pointer(event), this.camera);
      const hits = raycaster.intersectObject(this.mesh);
      if (hits.length === 0) return;
      this.dragging = hits[0].instanceId;
      const m = new THREE.Matrix4();
      this.mesh.getMatrixAt(this.dragging, m);
      const atom = new THREE.Vector3().setFromMatrixPosition(m);
      plane.setFromNormalAndCoplanarPoint(this.camera.getWorldDirection(new THREE.Vector3()), atom);
      this.controls.enabled = false;
      canvas.setPointerCapture(event.pointerId);
      this.drag.start(this.dragging);
    });
    canvas.addEventListener('pointermove', (event) => {
      if (this.dragging < 0) return;
      raycaster.setFromCamera(pointer(event), this.camera);
      if (raycaster.ray.intersectPlane(plane, hit)) this.drag.move(this.dragging, hit.x, hit.y, hit.z);
    });
    const release = () => {
      if (this.dragging >= 0) this.drag.end(this.dragging);
      this.dragging = -1;
      this.controls.enabled = true;
    };
    canvas.addEventListener('pointerup', release);
    canvas.addEventListener('pointercancel', release);
  }

  // Page pixel (CSS px) of atom i as drawn, for tests.
  screenPosition(i) {
    const m = new THREE.Matrix4();
    this.mesh.getMatrixAt(i, m);
    const v = new THREE.Vector3().setFromMatrixPosition(m).project(this.camera);
    const r = this.renderer.domElement.getBoundingClientRect();
    return { x: r.left + ((v.x + 1) / 2) * r.width, y: r.top + ((1 - v.y) / 2) * r.height };
  }
}
