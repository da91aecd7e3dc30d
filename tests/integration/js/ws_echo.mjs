// ws_echo.mjs - drive wsfan's /echo endpoint with the Node.js `ws` client.
//
// Usage: node ws_echo.mjs URL MODE [TIMEOUT_MS]
//   URL   ws://127.0.0.1:PORT/echo
//   MODE  plain    the client offers no extension
//         deflate  the client offers permessage-deflate (ws's default offer,
//                  threshold 0 so that every message is compressed)
//         params   permessage-deflate with client_no_context_takeover,
//                  server_max_window_bits=10 and client_max_window_bits=9
//
// Sends text, binary, fragmented (fin: false streaming) and, when deflate
// is negotiated, also uncompressed messages of the sizes below, waits for
// each echo and compares it byte for byte with what was sent. Prints one
// JSON line on stdout:
//   {"extensions": "<Sec-WebSocket-Extensions of the 101, or null>",
//    "negotiated": "<ws.extensions>",
//    "cases": [{"name": ..., "ok": true|false, "detail": ...}, ...],
//    "close": {"code": 1000, "reason": "bye"}}
// and exits 0; exits 2 with {"error": ...} if it could not get that far.
// The imports resolve through NODE_PATH (set by test_clients.py to the
// directory where `npm ci` installed the dependencies).
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

const [url, mode = 'plain', timeoutArg = '30000'] = process.argv.slice(2);
const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20];
const STEP_MS = 10000;

function fail(msg) {
  process.stdout.write(JSON.stringify({ error: msg }) + '\n');
  process.exit(2);
}

if (!url || !['plain', 'deflate', 'params'].includes(mode))
  fail('usage: ws_echo.mjs ws://HOST:PORT/echo plain|deflate|params');
setTimeout(() => fail(`overall timeout of ${timeoutArg} ms`),
  Number(timeoutArg)).unref();

// Valid UTF-8 of exactly n bytes: random code points of 1 to 4 bytes
// (ASCII, U+0080-U+07FF, U+0800-U+FFFF less surrogates, U+10000 and up),
// so that fragment boundaries fall inside characters too.
function randomUtf8(n) {
  const out = Buffer.alloc(n);
  const r = randomBytes(n * 2 + 16);
  let i = 0, k = 0;
  while (i < n) {
    const left = n - i;
    let len = (r[k++] % 4) + 1;
    if (len > left) len = left;
    let cp;
    const a = r[k++], b = r[k++];
    if (len === 1) cp = 0x20 + (a % 0x5f);
    else if (len === 2) cp = 0x80 + ((a << 8 | b) % 0x780);
    else if (len === 3) {
      cp = 0x800 + ((a << 8 | b) % 0xf800);
      if (cp >= 0xd800 && cp <= 0xdfff) cp = 0x4e00 + (cp & 0xfff);
    } else cp = 0x10000 + ((a << 8 | b) * 16 + (r[k++] % 16));
    i += out.write(String.fromCodePoint(cp), i);
    if (k > r.length - 8) {
      randomBytes(r.length).copy(r);
      k = 0;
    }
  }
  return out;
}

// Compressible text: a repeated JSON-ish record, cut to n bytes.
function compressible(n) {
  const rec = Buffer.from('{"channel":"news","seq":12345,"data":"hello"}\n');
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i += rec.length) rec.copy(out, i, 0, Math.min(rec.length, n - i));
  return out;
}

const pending = [];

function connect() {
  const perMessageDeflate = mode === 'plain' ? false :
    mode === 'deflate' ? { threshold: 0 } :
      { threshold: 0, clientNoContextTakeover: true, serverMaxWindowBits: 10,
        clientMaxWindowBits: 9 };
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate, handshakeTimeout: STEP_MS,
      maxPayload: 4 << 20 });
    let header = null;
    ws.on('upgrade', (res) => { header = res.headers['sec-websocket-extensions'] ?? null; });
    ws.on('unexpected-response', (req, res) =>
      reject(new Error(`handshake refused: HTTP ${res.statusCode}`)));
    ws.on('error', (e) => {
      const p = pending.shift();
      if (p) p.reject(e); else reject(e);
    });
    ws.on('message', (data, isBinary) => {
      const p = pending.shift();
      if (p) p.resolve({ data, isBinary });
    });
    ws.on('close', (code, reason) => {
      while (pending.length)
        pending.shift().reject(new Error(`closed ${code} ${reason}`));
    });
    ws.on('open', () => resolve({ ws, header }));
  });
}

function nextMessage() {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`no echo within ${STEP_MS} ms`)), STEP_MS);
    pending.push({
      resolve: (m) => { clearTimeout(t); resolve(m); },
      reject: (e) => { clearTimeout(t); reject(e); },
    });
  });
}

function sendP(ws, data, opts) {
  return new Promise((resolve, reject) =>
    ws.send(data, opts, (e) => (e ? reject(e) : resolve())));
}

// Send payload as `parts` frames (fin: false on all but the last) or as one
// message; expect the same bytes and type back.
async function roundtrip(ws, payload, binary, { parts = 1, compress = true } = {}) {
  const got = nextMessage();
  if (parts === 1) {
    await sendP(ws, payload, { binary, compress, fin: true });
  } else {
    const cut = [];
    for (let i = 1; i < parts; i++) cut.push(Math.floor((payload.length * i) / parts));
    let prev = 0;
    for (let i = 0; i < parts; i++) {
      const end = i < parts - 1 ? cut[i] : payload.length;
      await sendP(ws, payload.subarray(prev, end),
        { binary, compress, fin: i === parts - 1 });
      prev = end;
    }
  }
  const { data, isBinary } = await got;
  if (isBinary !== binary)
    return `type: sent ${binary ? 'binary' : 'text'}, got ${isBinary ? 'binary' : 'text'}`;
  if (data.length !== payload.length)
    return `length: sent ${payload.length}, got ${data.length}`;
  if (Buffer.compare(data, payload) !== 0) {
    let i = 0;
    while (data[i] === payload[i]) i++;
    return `content differs first at byte ${i}`;
  }
  return null;
}

async function main() {
  let conn;
  try {
    conn = await connect();
  } catch (e) {
    fail(`connect ${url}: ${e.message}`);
  }
  const { ws, header } = conn;
  const deflate = ws.extensions !== '';
  const cases = [];
  const run = async (name, fn) => {
    try {
      const err = await fn();
      cases.push({ name, ok: err === null, detail: err });
    } catch (e) {
      cases.push({ name, ok: false, detail: String(e && e.message || e) });
    }
  };
  for (const n of SIZES) {
    await run(`text ${n} B`, () => roundtrip(ws, randomUtf8(n), false));
    await run(`binary ${n} B`, () => roundtrip(ws, randomBytes(n), true));
    // ws lets a first fragment be empty only if the message is; 0 B goes
    // as two empty frames, 1 B as a byte and an empty final frame.
    await run(`fragmented text ${n} B`,
      () => roundtrip(ws, randomUtf8(n), false, { parts: n < 3 ? 2 : 3 }));
    await run(`fragmented binary ${n} B`,
      () => roundtrip(ws, randomBytes(n), true, { parts: n < 3 ? 2 : 3 }));
  }
  for (const n of [65536, 1 << 20]) {
    await run(`compressible text ${n} B`, () => roundtrip(ws, compressible(n), false));
    await run(`fragmented compressible binary ${n} B`,
      () => roundtrip(ws, compressible(n), true, { parts: 7 }));
  }
  if (deflate) {
    // Messages without RSV1 inside a deflate session.
    for (const n of [0, 126, 65536]) {
      await run(`uncompressed text ${n} B`,
        () => roundtrip(ws, randomUtf8(n), false, { compress: false }));
      await run(`uncompressed fragmented binary ${n} B`,
        () => roundtrip(ws, randomBytes(n), true, { compress: false, parts: 2 }));
    }
    // The echo really is compressed on the wire: 1 MiB of repetitive
    // text must arrive in far fewer bytes (ws pinned: _socket is stable).
    await run('server compresses: 1 MiB compressible echo < 64 KiB on the wire',
      async () => {
        const before = ws._socket.bytesRead;
        const err = await roundtrip(ws, compressible(1 << 20), false);
        const wire = ws._socket.bytesRead - before;
        return err || (wire < 65536 ? null : `${wire} bytes on the wire`);
      });
    // Context handling across many messages in a row.
    await run('100 compressible messages in a row', async () => {
      for (let i = 0; i < 100; i++) {
        const err = await roundtrip(ws, compressible(200 + i * 37), i % 2 === 1);
        if (err) return `message ${i}: ${err}`;
      }
      return null;
    });
  }
  const close = await new Promise((resolve) => {
    const t = setTimeout(() => resolve({ code: null, reason: 'no close within timeout' }), STEP_MS);
    ws.once('close', (code, reason) => {
      clearTimeout(t);
      resolve({ code, reason: reason.toString() });
    });
    ws.close(1000, 'bye');
  });
  process.stdout.write(JSON.stringify({
    extensions: header, negotiated: ws.extensions, cases, close,
  }) + '\n');
  process.exit(0);
}

main().catch((e) => fail(String(e && e.stack || e)));
