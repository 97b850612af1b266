// A tiny static file server for the browser tests and benchmarks: serves one folder on an
// ephemeral localhost port (GET and HEAD only; no directory listings).
'use strict';

const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const TYPES = {
  '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.json': 'application/json', '.xyz': 'text/plain', '.weights': 'text/plain',
};

// Resolves to {url, close()} once `root` is served at url (http://127.0.0.1:PORT/).
function serveFolder(root) {
  const base = path.resolve(root);
  const server = http.createServer((request, response) => {
    const file = path.join(base, decodeURIComponent(new URL(request.url, 'http://x').pathname));
    const target = file.endsWith(path.sep) ? path.join(file, 'index.html') : file;
    if (!target.startsWith(base) || !fs.existsSync(target) || !fs.statSync(target).isFile()) {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(target)] || 'application/octet-stream' });
    if (request.method === 'HEAD') response.end();
    else fs.createReadStream(target).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      url: `http://127.0.0.1:${server.address().port}/`,
      close: () => new Promise((done) => server.close(done)),
    }));
  });
}

module.exports = { serveFolder };
