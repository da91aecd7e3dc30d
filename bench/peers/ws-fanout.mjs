// ws-fanout.mjs - a Node.js fan-out server on the `ws` and `redis`
// (node-redis v4) packages, the peer that bench/compare measures wsfan
// against. It speaks as much of wsfan's client protocol v1 as
// wsfan-bench uses, so the bench drives it unmodified:
//
//   node ws-fanout.mjs --port PORT [--host 127.0.0.1] [--workers N]
//                      [--redis redis://127.0.0.1:6379] [--prefix wsfan:]
//                      [--path /ws]
//
//   GET /ws?ch=A&ch=B  WebSocket; subscribes at connect, then sends
//                      {"op":"welcome","conn":..,"user":null,"ping":25}
//                      once Redis has confirmed every subscription
//   {"op":"sub"|"unsub"|"pub"|"ping", "ch":.., "data":.., "id":..}
//                      answered {"id":..,"ok":true} (sub: once Redis
//                      confirmed) or {"id":..,"error":{code,message}}
//   PUBLISH wsfan:CH JSON on Redis
//                      every subscriber of CH gets {"ch":CH,"data":JSON}
//                      (a payload that is not JSON goes out as a string)
//   POST /api/publish  {"ch":..,"data":..}: PUBLISHes data
//   GET /healthz       200 while this worker's Redis links are up
//
// Written the way a competent Node developer would: N worker processes
// (node's cluster module; its primary accepts and hands connections
// round-robin to the workers, node 20's net has no SO_REUSEPORT), one
// Redis subscriber connection and one command connection per worker, a
// Map channel -> Set of sockets, each message validated and serialized
// once into a Buffer that every subscriber's ws.send() gets (ws then only
// adds the frame header), perMessageDeflate off, ping/pong heartbeat,
// slow consumers (over 1 MiB buffered, wsfan's send-buffer-limit) closed
// with 1013. Not tuned beyond that. Prints "ready" on stdout once every
// worker listens and has its Redis links up. Big integers in data sent
// through "pub" or /api/publish go through JSON.parse/stringify, so they
// lose precision past 2^53; PUBLISHed payloads are relayed byte for byte.
import cluster from 'node:cluster';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';
import { createClient } from 'redis';

const { values: opt } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    workers: { type: 'string', default: '1' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
    prefix: { type: 'string', default: 'wsfan:' },
    path: { type: 'string', default: '/ws' },
  },
});
const port = Number(opt.port);
const nworkers = Number(opt.workers);
if (!Number.isInteger(port) || port <= 0 || port > 65535 ||
    !Number.isInteger(nworkers) || nworkers < 1) {
  console.error('usage: node ws-fanout.mjs --port PORT [--workers N] ' +
                '[--redis URL] [--prefix wsfan:] [--host H] [--path /ws]');
  process.exit(2);
}

const PING_S = 25;
const MAX_MESSAGE = 64 * 1024;
const MAX_SUBS = 128;
const SEND_BUFFER_LIMIT = 1 << 20;
const CHAN_RE = /^[A-Za-z0-9:_\-./@=+!~#$%,;]{1,200}$/;

if (cluster.isPrimary) {
  let ready = 0;
  let stopping = false;
  cluster.schedulingPolicy = cluster.SCHED_RR;
  for (let i = 0; i < nworkers; i++) cluster.fork();
  cluster.on('message', (w, m) => {
    if (m === 'ready' && ++ready === nworkers) console.log('ready');
  });
  cluster.on('exit', (w, code, sig) => {
    if (stopping) return;
    console.error(`worker ${w.process.pid} exited (${sig || code})`);
    process.exit(1);
  });
  const stop = () => {
    stopping = true;
    for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  worker();
}

function worker() {
  const sub = createClient({ url: opt.redis });
  const cmd = sub.duplicate();
  for (const c of [sub, cmd]) c.on('error', (e) => console.error(e.message));

  // channel -> { sockets: Set, live: Promise resolved once subscribed }
  const channels = new Map();
  let nextConn = 0;

  const reply = (ws, id, body) => {
    if (id !== undefined) body = { id, ...body };
    ws.send(JSON.stringify(body));
  };
  const error = (ws, id, code, message) =>
    reply(ws, id, { error: { code, message } });

  // One Redis message: validated and serialized once, sent to all.
  function fanout(message, rchannel) {
    const name = rchannel.subarray(opt.prefix.length).toString();
    const chan = channels.get(name);
    if (!chan) return;
    let data = message.toString();
    try {
      JSON.parse(data);
    } catch {
      data = JSON.stringify(data);
    }
    const frame = Buffer.from(`{"ch":${JSON.stringify(name)},"data":${data}}`);
    for (const ws of chan.sockets) {
      if (ws.bufferedAmount > SEND_BUFFER_LIMIT) {
        ws.close(1013, 'slow consumer');
        continue;
      }
      ws.send(frame, { binary: false });
    }
  }

  // Add ws to channel name; resolves once the Redis subscription is live.
  function subscribe(ws, name) {
    let chan = channels.get(name);
    if (!chan) {
      chan = { sockets: new Set(), live: null };
      chan.live = sub.subscribe(opt.prefix + name, fanout, true);
      // Failed: forget it, so that the next subscriber tries again.
      chan.live.catch(() => {
        if (channels.get(name) === chan) channels.delete(name);
      });
      channels.set(name, chan);
    }
    chan.sockets.add(ws);
    ws.subs.add(name);
    return chan.live;
  }

  function unsubscribe(ws, name) {
    const chan = channels.get(name);
    ws.subs.delete(name);
    if (!chan || !chan.sockets.delete(ws) || chan.sockets.size) return;
    channels.delete(name);
    sub.unsubscribe(opt.prefix + name).catch(() => {});
  }

  async function publish(name, data) {
    return cmd.publish(opt.prefix + name, JSON.stringify(data));
  }

  function onMessage(ws, raw, isBinary) {
    if (isBinary) {
      error(ws, undefined, 'bad_request', 'binary frames are not part of protocol v1');
      return;
    }
    let m;
    try {
      m = JSON.parse(raw.toString());
    } catch {
      error(ws, undefined, 'bad_request', 'invalid JSON');
      return;
    }
    if (m === null || typeof m !== 'object' || Array.isArray(m)) {
      error(ws, undefined, 'bad_request', 'expected an object');
      return;
    }
    const { op, ch, id } = m;
    if (op === 'ping') return reply(ws, id, { ok: true });
    if (op !== 'sub' && op !== 'unsub' && op !== 'pub') {
      return error(ws, id, 'bad_request',
                   'unknown "op": expected sub, unsub, pub or ping');
    }
    if (typeof ch !== 'string' || !CHAN_RE.test(ch)) {
      return error(ws, id, 'bad_request', 'bad "ch"');
    }
    if (op === 'unsub') {
      unsubscribe(ws, ch);
      return reply(ws, id, { ok: true });
    }
    if (op === 'sub') {
      if (!ws.subs.has(ch) && ws.subs.size >= MAX_SUBS) {
        return error(ws, id, 'limit_exceeded', 'too many subscriptions');
      }
      subscribe(ws, ch).then(
        () => reply(ws, id, { ok: true }),
        () => error(ws, id, 'unavailable', 'Redis is unavailable'));
      return;
    }
    if (!('data' in m)) return error(ws, id, 'bad_request', 'missing "data"');
    publish(ch, m.data).then(
      () => reply(ws, id, { ok: true }),
      () => error(ws, id, 'unavailable', 'Redis is unavailable'));
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      const up = sub.isReady && cmd.isReady;
      res.writeHead(up ? 200 : 503, { 'Content-Type': 'text/plain' });
      return res.end(up ? 'ok\n' : 'redis down\n');
    }
    if (req.method === 'POST' && req.url === '/api/publish') {
      const parts = [];
      let size = 0;
      req.on('data', (b) => {
        size += b.length;
        if (size <= MAX_MESSAGE) parts.push(b);
      });
      req.on('end', () => {
        let m;
        try {
          m = JSON.parse(Buffer.concat(parts).toString());
        } catch {
          m = null;
        }
        if (size > MAX_MESSAGE || !m || typeof m.ch !== 'string' ||
            !CHAN_RE.test(m.ch) || !('data' in m)) {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          return res.end('{"error":{"code":"bad_request"}}');
        }
        publish(m.ch, m.data).then(
          () => {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end('{"ok":true}');
          },
          () => {
            res.writeHead(503, { 'Content-Type': 'application/json' });
            res.end('{"error":{"code":"unavailable"}}');
          });
      });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('not found\n');
  });
  server.keepAliveTimeout = 300e3;
  server.headersTimeout = 10e3;
  server.requestTimeout = 0;

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE,
    perMessageDeflate: false,
    clientTracking: true,
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url, 'http://x');
    const chs = url.searchParams.getAll('ch');
    if (url.pathname !== opt.path || chs.length > MAX_SUBS ||
        !chs.every((c) => CHAN_RE.test(c))) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.subs = new Set();
      ws.alive = true;
      ws.on('pong', () => { ws.alive = true; });
      ws.on('error', () => ws.terminate());
      ws.on('close', () => {
        for (const name of ws.subs) unsubscribe(ws, name);
      });
      // Ops sent before the welcome wait for it, like wsfan's.
      let early = [];
      ws.on('message', (raw, isBinary) => {
        if (early) early.push([raw, isBinary]);
        else onMessage(ws, raw, isBinary);
      });
      Promise.all(chs.map((c) => subscribe(ws, c))).then(() => {
        ws.send(JSON.stringify({
          op: 'welcome', conn: `${process.pid.toString(16)}-${(++nextConn).toString(16)}`,
          user: null, ping: PING_S,
        }));
        const queued = early.splice(0);
        early = null;
        for (const [raw, isBinary] of queued) onMessage(ws, raw, isBinary);
      }, () => ws.close(1011, 'Redis is unavailable'));
    });
  });

  // The heartbeat from ws's README: ping every PING_S, drop the silent.
  setInterval(() => {
    for (const ws of wss.clients) {
      if (!ws.alive) {
        ws.terminate();
        continue;
      }
      ws.alive = false;
      ws.ping();
    }
  }, PING_S * 1000).unref();

  Promise.all([sub.connect(), cmd.connect()]).then(() => {
    server.listen({ host: opt.host, port, backlog: 4096 }, () => {
      process.send('ready');
    });
  }, (e) => {
    console.error(`redis: ${e.message}`);
    process.exit(1);
  });
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
