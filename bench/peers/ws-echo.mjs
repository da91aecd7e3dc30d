// ws-echo.mjs - the Node.js `ws` library's echo server, the peer that
// bench/echo-compare measures wsfan's /echo against.
//
//   node ws-echo.mjs PORT [plain|deflate]
//
// Listens on 127.0.0.1:PORT, path /echo, and sends every message back as
// it came (text as text, binary as binary). With `deflate` it accepts
// permessage-deflate the way wsfan's `compression on` does: no context
// takeover either way, zlib level 6, messages under 64 bytes sent
// uncompressed (wsfan's WS_COMPRESS_MIN). maxPayload is wsfan's default
// max-message-size, 64 KiB. Prints "ready" on stdout once listening.
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2]);
const deflate = process.argv[3] === 'deflate';
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node ws-echo.mjs PORT [plain|deflate]');
  process.exit(2);
}

const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  path: '/echo',
  maxPayload: 64 * 1024,
  perMessageDeflate: deflate
    ? {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        zlibDeflateOptions: { level: 6 },
        threshold: 64,
      }
    : false,
});

wss.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  ws.on('error', () => ws.terminate());
});
wss.on('listening', () => console.log('ready'));
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => process.exit(0));
}
