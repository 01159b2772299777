// lab/servers/node/echo.js - the lab's app contract on Node.js's own http module.
//
// Idea: the plainest Node server an application would write: http.createServer
// with one request handler and no 'upgrade' listener, so whatever Node does with
// "Upgrade: h2c" (or websocket) is Node's default, not the app's. POST /echo
// answers the body exactly as Node delivered it (Content-Length or chunked,
// de-chunked by llhttp); GET / and GET /version are the fixed answers.
'use strict';
const fs = require('fs');
const http = require('http');

const port = Number(process.env.LAB_PORT || 8080);
// Read once at start: the Debian package version written at image build time.
const version = fs.readFileSync(process.env.LAB_VERSION_FILE || '/etc/h2c-lab-version');

function answer(res, status, type, body) {
  res.writeHead(status, {'Content-Type': type, 'Content-Length': body.length});
  res.end(body);
}

function onRequest(req, res) {
  if (req.method === 'POST' && req.url === '/echo') {
    const parts = [];
    req.on('data', (chunk) => parts.push(chunk));
    req.on('end', () => answer(res, 200, 'application/octet-stream', Buffer.concat(parts)));
    return;
  }
  if ((req.method === 'GET' || req.method === 'HEAD') && req.url === '/')
    return answer(res, 200, 'text/plain', Buffer.from('h2c-lab ok\n'));
  if ((req.method === 'GET' || req.method === 'HEAD') && req.url === '/version')
    return answer(res, 200, 'text/plain', version);
  answer(res, 404, 'text/plain', Buffer.from('not found\n'));
}

const server = http.createServer(onRequest);
server.listen(port, process.env.LAB_HOST || '0.0.0.0');
// Compose stops the container with SIGTERM: close and exit at once.
process.on('SIGTERM', () => process.exit(0));
