"""POST /api/publish through the real daemon and a real redis-server:
delivery, pipelined requests answered in order, every error status, the
API key, and 503 while Redis is down."""
import json
import os
import socket
import time
import unittest

import wsfantest as wt

KEY = "s3cret-key-0123456789abcdef"


def post(port, body, headers=(), keep=False, sock=None):
    raw = ("POST /api/publish HTTP/1.1\r\nHost: t\r\nContent-Type: "
           "application/json\r\nContent-Length: %d\r\n" % len(body)).encode()
    for h in headers:
        raw += h.encode() + b"\r\n"
    if not keep:
        raw += b"Connection: close\r\n"
    raw += b"\r\n" + body
    if sock is not None:
        sock.sendall(raw)
        return wt.read_response(sock)
    return wt.http_request(port, raw)


class Subscriber:
    """A protocol v1 client subscribed to channels at connect."""

    def __init__(self, port, *channels):
        q = "&".join("ch=" + c for c in channels)
        self.ws = wt.RawWs(port, path="/ws?" + q)
        assert self.ws.status == 101, self.ws.status
        op, welcome = self.ws.recv_message()
        assert json.loads(welcome)["op"] == "welcome"

    def next(self):
        op, data = self.ws.recv_message()
        return json.loads(data)


class PublishApi(wt.DaemonCase):
    DAEMON = dict(workers=2, extra="max-message-size 1k\n")

    def test_publish_reaches_subscribers(self):
        subs = [Subscriber(self.d.port, "news") for _ in range(6)]
        st, h, body = post(self.d.port, b'{"ch":"news","data":{"t":"hi"}}')
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body), {"ok": True})
        self.assertEqual(h["content-type"], "application/json")
        for s in subs:
            self.assertEqual(s.next(), {"ch": "news", "data": {"t": "hi"}})
            s.ws.close()

    def test_pipelined_in_order(self):
        sub = Subscriber(self.d.port, "pipe")
        with socket.create_connection(("127.0.0.1", self.d.port),
                                      timeout=5) as s:
            raw = b""
            for i in range(50):
                body = b'{"ch":"pipe","data":%d}' % i
                raw += (b"POST /api/publish HTTP/1.1\r\nHost: t\r\n"
                        b"Content-Length: %d\r\n\r\n" % len(body)) + body
            raw += b"GET /healthz HTTP/1.1\r\n\r\n"
            s.sendall(raw)  # all at once: the server must stash and resume
            resp = wt.read_responses(s, 51)
            self.assertEqual([r[0] for r in resp], [200] * 51)
            self.assertIn(b'"status":"ok"', resp[50][2])
        got = [sub.next()["data"] for _ in range(50)]
        self.assertEqual(got, list(range(50)))
        sub.ws.close()

    def test_errors(self):
        port = self.d.port
        cases = [
            (b"not json", 400, "bad_request"),
            (b"[1,2]", 400, "bad_request"),
            (b'{"data":1}', 400, "bad_request"),
            (b'{"ch":"bad name","data":1}', 400, "bad_request"),
            (b'{"ch":"","data":1}', 400, "bad_request"),
            (b'{"ch":7,"data":1}', 400, "bad_request"),
            (b'{"ch":"x"}', 400, "bad_request"),
            (b'{"ch":"x","data":"' + b"a" * 2000 + b'"}', 413,
             "limit_exceeded"),
        ]
        for body, status, code in cases:
            st, _, resp = post(port, body)
            self.assertEqual(st, status, body[:40])
            self.assertEqual(json.loads(resp)["error"]["code"], code)
        st, h, _ = wt.get(port, "/api/publish")
        self.assertEqual((st, h["allow"]), (405, "POST"))
        # A body over max-body-size is refused by the HTTP layer.
        st, _, _ = post(port, b'{"ch":"x","data":"' + b"a" * 70000 + b'"}')
        self.assertEqual(st, 413)

    def test_keepalive_connection_reused(self):
        with socket.create_connection(("127.0.0.1", self.d.port),
                                      timeout=5) as s:
            for i in range(20):
                st, h, _ = post(self.d.port, b'{"ch":"k","data":%d}' % i,
                                keep=True, sock=s)
                self.assertEqual(st, 200)
                self.assertEqual(h["connection"], "keep-alive")


class ApiKey(unittest.TestCase):
    def test_key_required(self):
        d = wt.Wsfan(workers=1)
        keyfile = os.path.join(d.dir, "api.key")
        with open(keyfile, "w") as f:
            f.write(KEY + "\n")
        with open(d.conf, "a") as f:
            f.write("publish-api-key-file %s\n" % keyfile)
        d.start()
        try:
            body = b'{"ch":"a","data":1}'
            st, h, resp = post(d.port, body)
            self.assertEqual(st, 401)
            self.assertEqual(h["www-authenticate"], "Bearer")
            st, _, _ = post(d.port, body, ("Authorization: Bearer wrong",))
            self.assertEqual(st, 403)
            st, _, _ = post(d.port, body, ("Authorization: Bearer " + KEY +
                                           "x",))
            self.assertEqual(st, 403)
            st, _, _ = post(d.port, body, ("Authorization: Bearer " + KEY,))
            self.assertEqual(st, 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_short_key_refused_by_config(self):
        d = wt.Wsfan(workers=1)
        try:
            keyfile = os.path.join(d.dir, "api.key")
            with open(keyfile, "w") as f:
                f.write("short\n")
            with open(d.conf, "a") as f:
                f.write("publish-api-key-file %s\n" % keyfile)
            r = wt.run_wsfan(["-t", "-c", d.conf])
            self.assertEqual(r.returncode, 1)
            self.assertIn("at least 16 characters", r.stderr)
        finally:
            d.cleanup()


class RedisDown(unittest.TestCase):
    def test_503_while_redis_down(self):
        d = wt.Wsfan(workers=1).start()
        try:
            d.redis.kill()
            wt.wait_for(lambda: wt.get(d.port)[0] == 503, 5,
                        "/healthz to report the outage")
            st, h, resp = post(d.port, b'{"ch":"x","data":1}')
            self.assertEqual(st, 503)
            self.assertEqual(json.loads(resp)["error"]["code"], "unavailable")
            self.assertEqual(h["retry-after"], "1")
            d.redis.start()
            wt.wait_for(lambda: wt.get(d.port)[0] == 200, 5,
                        "/healthz to recover")
            st, _, _ = post(d.port, b'{"ch":"x","data":1}')
            self.assertEqual(st, 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
