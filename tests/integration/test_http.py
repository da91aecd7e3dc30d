"""HTTP handling by the real daemon: keep-alive, pipelining, 404/405,
malformed requests (400 while other clients are unaffected), oversized
headers (431), request and keep-alive timeouts."""
import socket
import time
import unittest

import wsfantest as wt


class Http(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if wt.EXTERNAL:
            host, _, port = wt.EXTERNAL.rpartition(":")
            cls.d = None
            cls.host, cls.port = host, int(port)
            return
        cls.d = wt.Wsfan(workers=2, extra="request-timeout 1s\n"
                                           "handshake-timeout 1s\n"
                                           "keepalive-timeout 2s\n"
                                           "max-header-size 2k\n"
                                           "max-headers 20\n").start()
        cls.host, cls.port = "127.0.0.1", cls.d.port

    @classmethod
    def tearDownClass(cls):
        if cls.d:
            try:
                assert cls.d.stop() == 0
            finally:
                cls.d.cleanup()

    def conn(self):
        return socket.create_connection((self.host, self.port), timeout=5)

    def test_healthz_keepalive_many_requests(self):
        with self.conn() as s:
            for _ in range(100):
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                st, h, body = wt.read_response(s)
                self.assertEqual(st, 200)
                self.assertEqual(h["connection"], "keep-alive")
                self.assertIn(b'"status":"ok"', body)

    def test_pipelined(self):
        with self.conn() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\n\r\n" * 50 +
                      b"GET /nope HTTP/1.1\r\n\r\n")
            buf = b""
            statuses = []
            while len(statuses) < 51:
                chunk = s.recv(65536)
                self.assertTrue(chunk)
                buf += chunk
                while b"\r\n\r\n" in buf:
                    head, _, rest = buf.partition(b"\r\n\r\n")
                    n = int([ln.split(b":")[1] for ln in head.split(b"\r\n")
                             if ln.lower().startswith(b"content-length")][0])
                    if len(rest) < n:
                        break
                    statuses.append(int(head.split()[1]))
                    buf = rest[n:]
            self.assertEqual(statuses, [200] * 50 + [404])

    def test_not_found_and_method(self):
        self.assertEqual(wt.get(self.port, "/nope", self.host)[0], 404)
        st, h, _ = wt.http_request(self.port, b"DELETE /healthz HTTP/1.1\r\n"
                                   b"Connection: close\r\n\r\n", self.host)
        self.assertEqual(st, 405)
        self.assertEqual(h["allow"], "GET, HEAD")

    def test_malformed_gets_400_others_unaffected(self):
        with self.conn() as a:
            a.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
            self.assertEqual(wt.read_response(a)[0], 200)
            for bad in (b"HELLO\r\n\r\n", b"GET / HTTP/1.1\r\nNoColon\r\n\r\n",
                        b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                        b"\x00\x01\x02\x03\r\n\r\n"):
                with self.conn() as b:
                    b.sendall(bad)
                    st, h, _ = wt.read_response(b)
                    self.assertEqual(st, 400, bad)
                    self.assertEqual(h["connection"], "close")
                    self.assertEqual(b.recv(10), b"")  # and closed
            # The well-behaved connection still works.
            a.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
            self.assertEqual(wt.read_response(a)[0], 200)

    def test_oversized_headers_431(self):
        st, h, _ = wt.http_request(
            self.port, b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 3000 + b"\r\n\r\n",
            self.host)
        self.assertEqual(st, 431)
        many = b"".join(b"X-%d: 1\r\n" % i for i in range(21))
        st, _, _ = wt.http_request(self.port, b"GET / HTTP/1.1\r\n" + many +
                                   b"\r\n", self.host)
        self.assertEqual(st, 431)
        st, _, _ = wt.http_request(self.port, b"GET /" + b"u" * 3000 +
                                   b" HTTP/1.1\r\n\r\n", self.host)
        self.assertEqual(st, 414)

    @unittest.skipIf(wt.EXTERNAL, "needs the test's timeouts")
    def test_request_timeout_408(self):
        with self.conn() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow")
            t0 = time.monotonic()
            st, _, _ = wt.read_response(s)
            self.assertEqual(st, 408)
            self.assertLess(time.monotonic() - t0, 3)
            self.assertEqual(s.recv(10), b"")

    @unittest.skipIf(wt.EXTERNAL, "needs the test's timeouts")
    def test_silent_connection_closed(self):
        with self.conn() as s:
            t0 = time.monotonic()
            self.assertEqual(s.recv(10), b"")  # closed without a reply
            self.assertLess(time.monotonic() - t0, 3)

    @unittest.skipIf(wt.EXTERNAL, "needs the test's timeouts")
    def test_keepalive_timeout(self):
        with self.conn() as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\n\r\n")
            self.assertEqual(wt.read_response(s)[0], 200)
            t0 = time.monotonic()
            self.assertEqual(s.recv(10), b"")
            self.assertGreater(time.monotonic() - t0, 1.5)
            self.assertLess(time.monotonic() - t0, 4)


if __name__ == "__main__":
    wt.main()
