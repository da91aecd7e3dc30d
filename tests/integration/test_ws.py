"""The WebSocket engine through the real daemon: Python's websockets
library on the echo endpoint (sizes, fragments, compression), and a raw
client for the rules: close codes, ping/pong, keepalive, limits, slow
consumers, bad handshakes, shutdown."""
import asyncio
import os
import signal
import socket
import struct
import time
import unittest

import wsfantest as wt

try:
    import websockets
except ImportError:  # a failure, not a skip: install python3-websockets
    websockets = None

SIZES = (0, 1, 125, 126, 127, 65535, 65536, 1 << 20)


class Echo(wt.DaemonCase):
    """Echo round trips with a real client library."""

    DAEMON = dict(workers=2, extra="echo on\ncompression on\n"
                                "max-message-size 2m\n")

    def run_client(self, compression):
        self.assertIsNotNone(websockets, "python3-websockets is missing")

        async def main():
            url = "ws://127.0.0.1:%d/echo" % self.d.port
            async with websockets.connect(url, compression=compression,
                                          max_size=2 << 20) as ws:
                ext = ws.response_headers.get("Sec-WebSocket-Extensions")
                for n in SIZES:
                    text = "".join(chr(0x20 + (i * 7) % 90) for i in range(n))
                    await ws.send(text)
                    self.assertEqual(await ws.recv(), text)
                    data = os.urandom(n)
                    await ws.send(data)
                    self.assertEqual(await ws.recv(), data)
                # Multi-byte UTF-8 split across fragments.
                await ws.send(["h\u00e9", "llo \u20ac", "\U0001f600!"])
                self.assertEqual(await ws.recv(), "h\u00e9llo \u20ac\U0001f600!")
                await ws.send([b"\x00\x01", b"", b"\x02"])
                self.assertEqual(await ws.recv(), b"\x00\x01\x02")
                pong = await ws.ping(b"hello")
                await asyncio.wait_for(pong, 5)
                return ext

        return asyncio.run(asyncio.wait_for(main(), 60))

    def test_uncompressed(self):
        self.assertIsNone(self.run_client(None))

    def test_compressed(self):
        ext = self.run_client("deflate")
        self.assertIn("permessage-deflate", ext)
        self.assertIn("server_no_context_takeover", ext)

    def test_uncompressed_message_over_limit_on_compressed_session(self):
        # With permessage-deflate negotiated, a message sent without RSV1
        # is still held to max-message-size (2m here): 1009.
        c = wt.RawWs(self.d.port, headers=(
            "Sec-WebSocket-Extensions: permessage-deflate",))
        self.assertEqual(c.status, 101)
        self.assertIn("permessage-deflate",
                      c.headers["sec-websocket-extensions"])
        chunk = b"u" * 65536
        c.send(2, chunk, fin=False)
        try:
            for _ in range(40):  # 2.6 MB in fragments
                c.send(0, chunk, fin=False)
        except (BrokenPipeError, ConnectionResetError):
            pass
        c.expect_close(1009)
        c.close()

    def test_many_clients_interleaved(self):
        async def one(i):
            url = "ws://127.0.0.1:%d/echo" % self.d.port
            async with websockets.connect(url) as ws:
                for j in range(50):
                    m = "client %d message %d" % (i, j)
                    await ws.send(m)
                    self.assertEqual(await ws.recv(), m)

        async def main():
            await asyncio.gather(*(one(i) for i in range(50)))

        asyncio.run(asyncio.wait_for(main(), 60))


class Rules(wt.DaemonCase):
    """RFC 6455 rules with a raw client."""

    DAEMON = dict(workers=1, extra="echo on\nmax-message-size 64k\n"
                                "ping-interval 1s\n"
                                "pong-timeout 1s\n"
                                "send-buffer-limit 64k\n")

    def ws(self, **kw):
        c = wt.RawWs(self.d.port, **kw)
        self.assertEqual(c.status, 101)
        return c

    def test_accept_header(self):
        c = self.ws()
        self.assertEqual(c.headers["sec-websocket-accept"],
                         "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        c.close()

    def test_echo_text_binary_fragments(self):
        c = self.ws()
        c.send(1, b"hello")
        self.assertEqual(c.recv_message(), (1, b"hello"))
        c.send(2, b"\xff\x00")
        self.assertEqual(c.recv_message(), (2, b"\xff\x00"))
        c.send(1, b"ab", fin=False)
        c.send(9, b"ping-in-between")  # control between fragments
        c.send(0, b"cd", fin=False)
        c.send(0, b"ef")
        fin, op, _, payload = c.recv_frame()
        self.assertEqual((op, payload), (10, b"ping-in-between"))
        self.assertEqual(c.recv_message(), (1, b"abcdef"))
        c.close()

    def test_frame_split_byte_by_byte(self):
        c = self.ws()
        raw = wt.RawWs.frame(1, b"split at every byte") + \
            wt.RawWs.frame(9, b"p")
        for b in raw:
            c.sock.sendall(bytes([b]))
            time.sleep(0.002)
        self.assertEqual(c.recv_message(), (1, b"split at every byte"))
        self.assertEqual(c.recv_frame()[1:], (10, 0, b"p"))
        c.close()

    def test_ping_pong_same_payload(self):
        c = self.ws()
        c.send(9, b"\x00\x01payload")
        self.assertEqual(c.recv_frame(), (True, 10, 0, b"\x00\x01payload"))
        c.close()

    def test_close_echoed(self):
        c = self.ws()
        c.send(8, struct.pack("!H", 1000) + b"bye")
        c.expect_close(1000)
        c.close()
        c = self.ws()
        c.send(8, b"")
        fin, op, _, payload = c.recv_frame()
        self.assertEqual((op, payload), (8, b""))
        c.close()

    def expect_violation(self, frames, code):
        c = self.ws()
        for f in frames:
            c.sock.sendall(f)
        c.expect_close(code)
        c.close()

    def test_violations(self):
        F = wt.RawWs.frame
        self.expect_violation([F(1, b"x", mask=False)], 1002)      # unmasked
        self.expect_violation([F(1, b"x", rsv=4)], 1002)           # RSV1
        self.expect_violation([F(1, b"x", rsv=1)], 1002)           # RSV3
        self.expect_violation([F(3, b"x")], 1002)                  # opcode 3
        self.expect_violation([F(0xb, b"x")], 1002)                # opcode B
        self.expect_violation([F(9, b"x" * 126)], 1002)            # big ping
        self.expect_violation([F(9, b"x", fin=False)], 1002)       # frag ping
        self.expect_violation([F(0, b"x")], 1002)                  # lone cont
        self.expect_violation([F(1, b"a", fin=False), F(1, b"b")], 1002)
        self.expect_violation([F(8, b"\x03")], 1002)               # 1-byte
        self.expect_violation([F(8, struct.pack("!H", 1005))], 1002)
        self.expect_violation([F(8, struct.pack("!H", 999))], 1002)
        self.expect_violation([F(8, struct.pack("!H", 1000) + b"\xff")],
                              1007)
        self.expect_violation([F(1, b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc"
                                    b"\xce\xb5\xed\xa0\x80edited")], 1007)
        self.expect_violation([F(1, b"\xf4\x90\x80\x80")], 1007)   # >10FFFF
        self.expect_violation([F(1, b"x" * 65537)], 1009)          # too big
        self.expect_violation([F(1, b"x" * 40000, fin=False),
                               F(0, b"x" * 40000)], 1009)

    def test_violation_does_not_disturb_others(self):
        good = self.ws()
        self.expect_violation([wt.RawWs.frame(1, b"x", mask=False)], 1002)
        good.send(1, b"still here")
        self.assertEqual(good.recv_message(), (1, b"still here"))
        good.close()

    def test_keepalive_ping_and_timeout(self):
        # A live client answers the server's pings and stays connected.
        live = self.ws()
        silent = self.ws()
        t0 = time.monotonic()
        fin, op, _, payload = live.recv_frame()
        self.assertEqual(op, 9)
        self.assertLess(time.monotonic() - t0, 2.5)
        live.send(10, payload)
        # The silent one is pinged, never answers, and is dropped.
        silent.sock.settimeout(6)
        fin, op, _, _ = silent.recv_frame()
        self.assertEqual(op, 9)
        with self.assertRaises(EOFError):
            silent.recv_frame()
        self.assertLess(time.monotonic() - t0, 5)
        live.send(1, b"alive")
        while True:
            op, data = live.recv_message()
            if op == 1:
                break
        self.assertEqual(data, b"alive")
        live.close()

    def test_slow_consumer_closed_with_1013(self):
        c = self.ws()
        other = self.ws()
        msg = wt.RawWs.frame(2, b"z" * 60000)
        # Never read: the echoes fill the kernel's buffers, then the
        # server's queue, which is capped at send-buffer-limit (64k here).
        c.sock.settimeout(5)
        for i in range(2000):
            c.sock.sendall(msg)
            if i % 10 == 0 and "slow consumer" in self.d.log():
                break
        wt.wait_for(lambda: "slow consumer" in self.d.log(), 5,
                    "the slow consumer to be noticed")
        # The rest of the worker is not affected.
        other.send(1, b"ok?")
        self.assertEqual(other.recv_message(), (1, b"ok?"))
        other.close()
        # What was already on its way arrives, then close 1013.
        c.expect_close(1013)
        c.close()

    def test_bad_handshakes(self):
        port = self.d.port
        c = wt.RawWs(port, headers=("Origin: http://evil.example",))
        self.assertEqual(c.status, 403)
        c.close()
        st, h, _ = wt.http_request(
            port, b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 8\r\n"
            b"Sec-WebSocket-Key: " + wt.WS_KEY.encode() + b"\r\n\r\n")
        self.assertEqual(st, 426)
        self.assertEqual(h["sec-websocket-version"], "13")
        st, _, _ = wt.http_request(
            port, b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.assertEqual(st, 400)
        st, _, _ = wt.http_request(
            port, b"GET /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        self.assertEqual(st, 426)
        self.assertIn("WebSocket handshake refused (403", self.d.log())

    def test_same_origin_allowed(self):
        c = self.ws(headers=("Origin: http://127.0.0.1:%d" % self.d.port,))
        c.send(1, b"x")
        self.assertEqual(c.recv_message(), (1, b"x"))
        c.close()


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Shutdown(unittest.TestCase):
    def test_sigterm_sends_1001(self):
        d = wt.Wsfan(workers=2, extra="echo on\n").start()
        try:
            clients = [wt.RawWs(d.port) for _ in range(10)]
            for c in clients:
                c.send(1, b"hi")
                self.assertEqual(c.recv_message(), (1, b"hi"))
            d.signal(signal.SIGTERM)
            for c in clients:
                c.expect_close(1001)
                c.close()
            self.assertEqual(d.proc.wait(5), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
