// The 3D view: instanced spheres coloured by per-atom energy, the periodic box, an orbit
// camera, and dragging one atom with the mouse. Positions and energies are read from
// typed-array views of the wasm heap every frame (no copies, no JSON).
import * as THREE from 'three';
import { OrbitControls } from './three/OrbitControls.js';

// Colour ramp for t in [0, 1]: blue (lowest energy), cyan, yellow, red (highest).
const RAMP = [[0.17, 0.24, 1.0], [0.13, 0.75, 0.75], [0.94, 0.88, 0.25], [1.0, 0.19, 0.13]];
function rampColour(t, colour) {
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1);
  const k = Math.min(Math.floor(x), RAMP.length - 2);
  const f = x - k;
  colour.setRGB(...RAMP[k].map((c, i) => c + f * (RAMP[k + 1][i] - c)));
}

export class Viewport {
  // element: the container div; onDrag(i, x, y, z): an atom was dragged to (x, y, z) (length unit).
  constructor(element, onDrag) {
    this.element = element;
    this.onDrag = onDrag;
    this.renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
    this.renderer.setSize(element.clientWidth, element.clientHeight);
    element.appendChild(this.renderer.domElement);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x0e0e14);
    this.camera = new THREE.PerspectiveCamera(45, element.clientWidth / element.clientHeight, 0.01, 10000);
    this.scene.add(new THREE.AmbientLight(0xffffff, 0.6));
    const light = new THREE.DirectionalLight(0xffffff, 1.6);
    light.position.set(1, 2, 3);
    this.camera.add(light);
    this.scene.add(this.camera);
    this.controls = new OrbitControls(this.camera, this.renderer.domElement);
    this.mesh = null;
    this.boxLines = null;
    this.range = [0, 0];
    this.dragging = -1;
    this.installDrag();
    new ResizeObserver(() => this.resize()).observe(element);
  }

  resize() {
    const { clientWidth: w, clientHeight: h } = this.element;
    if (w === 0 || h === 0) return;
    this.renderer.setSize(w, h);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  // A new structure: N spheres of `radius`, the box (lo, length, periodic), camera framed.
  setStructure(n, box, radius) {
    if (this.mesh) {
      this.scene.remove(this.mesh);
      this.mesh.geometry.dispose();
    }
    if (this.boxLines) this.scene.remove(this.boxLines);
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
    this.box = box;
    this.framed = false;
  }

  // Places the spheres from a Float64Array view (3N) and colours them from per-atom
  // energies (N); returns the energy range used for the colours [lo, hi].
  update(positions, energies) {
    const n = energies.length;
    const m = new THREE.Matrix4();
    const colour = new THREE.Color();
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; ++i) {
      lo = Math.min(lo, energies[i]);
      hi = Math.max(hi, energies[i]);
    }
    const span = hi > lo ? hi - lo : 1;
    const centre = new THREE.Vector3();
    for (let i = 0; i < n; ++i) {
      m.makeTranslation(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2]);
      this.mesh.setMatrixAt(i, m);
      rampColour((energies[i] - lo) / span, colour);
      this.mesh.setColorAt(i, colour);
      centre.x += positions[3 * i] / n;
      centre.y += positions[3 * i + 1] / n;
      centre.z += positions[3 * i + 2] / n;
    }
    this.mesh.instanceMatrix.needsUpdate = true;
    if (this.mesh.instanceColor) this.mesh.instanceColor.needsUpdate = true;
    this.mesh.computeBoundingSphere();
    if (!this.framed) this.frame(centre);
    this.range = [lo, hi];
    return this.range;
  }

  // Points the camera at the structure (once per structure).
  frame(centre) {
    const radius = this.mesh.boundingSphere ? this.mesh.boundingSphere.radius : 10;
    this.controls.target.copy(this.boxLines ? this.boxLines.position : centre);
    this.camera.position.copy(this.controls.target).add(new THREE.Vector3(0.6, 0.5, 1).multiplyScalar(radius * 2.4));
    this.camera.near = radius / 100;
    this.camera.far = radius * 100;
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
    });
    canvas.addEventListener('pointermove', (event) => {
      if (this.dragging < 0) return;
      raycaster.setFromCamera(pointer(event), this.camera);
      if (raycaster.ray.intersectPlane(plane, hit)) this.onDrag(this.dragging, hit.x, hit.y, hit.z);
    });
    const release = () => {
      this.dragging = -1;
      this.controls.enabled = true;
    };
    canvas.addEventListener('pointerup', release);
    canvas.addEventListener('pointercancel', release);
  }

  // Canvas pixel (CSS px, relative to the viewport element) of atom i, for tests.
  screenPosition(i) {
    const m = new THREE.Matrix4();
    this.mesh.getMatrixAt(i, m);
    const v = new THREE.Vector3().setFromMatrixPosition(m).project(this.camera);
    const r = this.renderer.domElement.getBoundingClientRect();
    return { x: r.left + ((v.x + 1) / 2) * r.width, y: r.top + ((1 - v.y) / 2) * r.height };
  }
}
