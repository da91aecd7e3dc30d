// browser_echo.mjs - drive wsfan's /echo endpoint from a page in headless
// Chromium (Debian's /usr/bin/chromium, driven by playwright-core).
//
// Usage: node browser_echo.mjs SPEC_JSON
//   SPEC_JSON {"chromium": "/usr/bin/chromium",
//              "userDataDir": "<fresh empty directory>",
//              "timeoutMs": 45000,
//              "runs": [{"name": ..., "page": "http://127.0.0.1:P/",
//                        "ws": "ws://127.0.0.1:Q/echo",
//                        "expect": "echo" | "refused"}, ...]}
//
// For each run the page is loaded from run.page (so the WebSocket's Origin
// is that page's origin) and, in the page, `new WebSocket(run.ws)`:
//   echo     round-trips text and binary (ArrayBuffer) messages of several
//            sizes up to 1 MiB, compares each echo with what was sent, then
//            closes with 1000;
//   refused  records whether open/error fired and the close code (a
//            handshake refused by the server is error + close 1006).
// Prints one JSON line on stdout: {"userAgent": ..., "runs": [{"name": ...,
// "origin": ..., "extensions": ..., "cases": [{"name", "ok", "detail"}],
// "close": {...}, "events": [...], "console": [...]}]}, exit 0; or
// {"error": ...} and exit 2. A run that failed has "error".
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

let context = null;

async function fail(msg) {
  process.stdout.write(JSON.stringify({ error: msg }) + '\n');
  // Playwright also kills the browser from its own exit handler; close
  // first so that the profile directory is released.
  const t = setTimeout(() => process.exit(2), 3000);
  try { if (context) await context.close(); } catch { /* exiting anyway */ }
  clearTimeout(t);
  process.exit(2);
}

let spec;
try {
  spec = JSON.parse(process.argv[2]);
} catch (e) {
  await fail(`usage: browser_echo.mjs SPEC_JSON (${e.message})`);
}
setTimeout(() => fail(`overall timeout of ${spec.timeoutMs} ms`),
  spec.timeoutMs || 45000).unref();

// --- runs in the page -----------------------------------------------------
async function pageEcho({ url, sizes, stepMs }) {
  const enc = new TextEncoder();
  function randomBytes(n) {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536)
      crypto.getRandomValues(b.subarray(i, Math.min(n, i + 65536)));
    return b;
  }
  // A string whose UTF-8 form is exactly n bytes, of 1- to 4-byte chars.
  function randomText(n) {
    const parts = [];
    const r = randomBytes(n * 3 + 8);
    let used = 0, k = 0;
    while (used < n) {
      let len = (r[k++] % 4) + 1;
      if (len > n - used) len = n - used;
      const x = (r[k++] << 8) | r[k++];
      let cp;
      if (len === 1) cp = 0x20 + (x % 0x5f);
      else if (len === 2) cp = 0x80 + (x % 0x780);
      else if (len === 3) { cp = 0x800 + (x % 0xf800); if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x1000; }
      else cp = 0x10000 + x * 16;
      parts.push(String.fromCodePoint(cp));
      used += len;
    }
    return parts.join('');
  }
  function compressible(n) {
    const rec = '{"channel":"news","seq":12345,"data":"hello"}\n';
    return rec.repeat(Math.ceil(n / rec.length)).slice(0, n);
  }
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const queue = [];
  let closed = null;
  ws.onmessage = (ev) => { const p = queue.shift(); if (p) p.resolve(ev.data); };
  ws.onclose = (ev) => {
    closed = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean };
    while (queue.length) queue.shift().reject(new Error(`closed ${ev.code}`));
  };
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no open within timeout')), stepMs);
    ws.onopen = () => { clearTimeout(t); resolve(); };
    ws.onerror = () => { clearTimeout(t); reject(new Error('error before open')); };
  });
  const extensions = ws.extensions;
  const next = () => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no echo within timeout')), stepMs);
    queue.push({ resolve: (d) => { clearTimeout(t); resolve(d); },
      reject: (e) => { clearTimeout(t); reject(e); } });
  });
  const cases = [];
  async function run(name, payload) {
    try {
      const got = next();
      ws.send(payload);
      const d = await got;
      let err = null;
      if (typeof payload === 'string') {
        if (typeof d !== 'string') err = 'sent text, got binary';
        else if (d.length !== payload.length) err = `length: sent ${payload.length} units, got ${d.length}`;
        else if (d !== payload) err = 'content differs';
      } else {
        const sent = payload instanceof ArrayBuffer ? new Uint8Array(payload)
          : new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
        if (!(d instanceof ArrayBuffer)) err = 'sent binary, got text';
        else if (d.byteLength !== sent.byteLength) err = `length: sent ${sent.byteLength}, got ${d.byteLength}`;
        else {
          const g = new Uint8Array(d);
          for (let i = 0; i < g.length; i++)
            if (g[i] !== sent[i]) { err = `content differs first at byte ${i}`; break; }
        }
      }
      cases.push({ name, ok: err === null, detail: err });
    } catch (e) {
      cases.push({ name, ok: false, detail: String(e.message || e) });
    }
  }
  for (const n of sizes) {
    const text = randomText(n);
    if (enc.encode(text).length !== n) throw new Error(`randomText(${n}) is wrong`);
    await run(`text ${n} B`, text);
    await run(`binary ArrayBuffer ${n} B`, randomBytes(n).buffer);
  }
  // A view into a larger buffer: only the view's bytes go.
  const big = randomBytes(70000);
  await run('binary Uint8Array view 65536 B at offset 1000', big.subarray(1000, 1000 + 65536));
  await run('compressible text 1048576 B', compressible(1 << 20));
  await run('compressible binary 1048576 B', enc.encode(compressible(1 << 20)).buffer);
  const close = await new Promise((resolve) => {
    if (closed) return resolve(closed);
    const t = setTimeout(() => resolve({ code: null, reason: 'no close within timeout' }), stepMs);
    ws.onclose = (ev) => {
      clearTimeout(t);
      resolve({ code: ev.code, reason: ev.reason, wasClean: ev.wasClean });
    };
    ws.close(1000, 'bye');
  });
  return { extensions, cases, close };
}

async function pageRefused({ url, stepMs }) {
  const events = [];
  const ws = new WebSocket(url);
  return await new Promise((resolve) => {
    const t = setTimeout(() => resolve({ events, close: null }), stepMs);
    ws.onopen = () => events.push('open');
    ws.onerror = () => events.push('error');
    ws.onclose = (ev) => {
      events.push('close');
      clearTimeout(t);
      resolve({ events, close: { code: ev.code, reason: ev.reason, wasClean: ev.wasClean } });
    };
  });
}
// ----------------------------------------------------------------------------

async function main() {
  context = await chromium.launchPersistentContext(spec.userDataDir, {
    executablePath: spec.chromium || '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    timeout: 20000,
  });
  const page = context.pages()[0] || await context.newPage();
  page.setDefaultTimeout(20000);
  let consoleLines = [];
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  const out = { userAgent: null, runs: [] };
  for (const r of spec.runs) {
    const res = { name: r.name, page: r.page, ws: r.ws, expect: r.expect };
    consoleLines = [];
    try {
      await page.goto(r.page, { waitUntil: 'load' });
      res.origin = await page.evaluate(() => self.origin);
      out.userAgent = out.userAgent || await page.evaluate(() => navigator.userAgent);
      if (r.expect === 'echo') {
        Object.assign(res, await page.evaluate(pageEcho,
          { url: r.ws, sizes: [0, 1, 125, 126, 127, 65535, 65536, 1 << 20], stepMs: 10000 }));
      } else {
        Object.assign(res, await page.evaluate(pageRefused, { url: r.ws, stepMs: 5000 }));
        // Let the console message about the failed handshake arrive.
        await page.waitForTimeout(100);
      }
    } catch (e) {
      res.error = String(e.message || e);
    }
    res.console = consoleLines;
    out.runs.push(res);
  }
  await context.close();
  context = null;
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

main().catch((e) => fail(String(e && e.stack || e)));
