// Structure files people have: extended XYZ (as ASE and strider write it), a plain .xyz
// (no system= key), or a LAMMPS data file (atom_style atomic). A file that does not say
// its system gets it from a small picker; the engine reads the file and reports errors
// with the file's name and line.
import { SYSTEMS, systemInfo } from './setup.js';

const LAMMPS = /\.(data|lmp|lammps)$/i;

// Asks which system the file `name` is (the <dialog id="system-picker">); resolves to the
// key, or null when cancelled.
function pickSystem(name, format) {
  const dialog = document.getElementById('system-picker');
  const select = document.getElementById('picker-system');
  if (select.options.length === 0) {
    for (const key of SYSTEMS) select.append(new Option(`${systemInfo(key).name} (${key})`, key));
  }
  document.getElementById('picker-text').textContent =
    `${name} does not say which system it is (${format === 'lammps-data' ? 'atom types 1, 2 are taken in the order of the system\'s species, A then B' : 'no system= key'}). Pick one:`;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? select.value : null), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}

// A new Engine from the text of file `name` (throws an Error naming the file and line), or
// null when the user cancelled the system picker.
export async function readStructure(M, text, name) {
  const format = LAMMPS.test(name) ? 'lammps-data' : 'extxyz';
  const header = text.split('\n', 2)[format === 'lammps-data' ? 0 : 1] || '';
  let system = '';
  if (!/\bsystem=/.test(header)) {
    system = await pickSystem(name, format);
    if (system === null) return null;
  }
  // A plain .xyz has a free-text comment line: read it as an empty one (no box, no keys).
  const body = format === 'extxyz' && !header.includes('=') ? text.replace(/^([^\n]*\n)[^\n]*/, '$1') : text;
  return new M.Engine(body, { name, format, ...(system ? { system } : {}) });
}
