// Debian's Chromium driven by playwright-core (no browser download): headless, WebGL
// through SwiftShader (ANGLE's software renderer: no GPU needed), a fresh profile (FLAGS below).
'use strict';

const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const { chromium } = require(path.join(ROOT, 'web', 'node_modules', 'playwright-core'));

const CHROMIUM = process.env.STRIDER_CHROMIUM || '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--use-angle=swiftshader', '--enable-unsafe-swiftshader'];

// A launched browser (launchPersistentContext gives the fresh --user-data-dir).
function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS, headless: true });
}

module.exports = { launch, ROOT };
