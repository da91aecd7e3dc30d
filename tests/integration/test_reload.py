"""Zero-loss graceful reload: a loop of full WebSocket handshakes runs
across 5 reloads without one failed attempt and without a listen drop;
clients connected before get close 1001, spread over drain-timeout."""
import json
import os
import re
import signal
import socket
import struct
import threading
import time
import unittest

import wsfantest as wt


def listen_drops():
    with open("/proc/net/netstat") as f:
        lines = f.read().splitlines()
    for head, vals in zip(lines[::2], lines[1::2]):
        if head.startswith("TcpExt:"):
            d = dict(zip(head.split()[1:], vals.split()[1:]))
            return int(d["ListenDrops"])
    raise AssertionError("no TcpExt in /proc/net/netstat")


class ConnectLoop(threading.Thread):
    """Full WebSocket handshakes (101 and the welcome) one after another."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.ok = 0
        self.failures = []
        self.halt = threading.Event()

    def run(self):
        end = time.monotonic() + 60
        while not self.halt.is_set() and time.monotonic() < end and \
                self.ok < 20000:
            try:
                c = wt.RawWs(self.port, path="/ws", timeout=5)
                if c.status != 101:
                    self.failures.append("status %s" % c.status)
                else:
                    op, data = c.recv_message()
                    if json.loads(data).get("op") != "welcome":
                        self.failures.append("no welcome: %r" % data)
                    else:
                        self.ok += 1
                c.close()
            except (OSError, EOFError, ValueError) as e:
                self.failures.append(repr(e))

    def finish(self):
        self.halt.set()
        self.join(10)


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Reload(unittest.TestCase):
    def test_five_reloads_lose_nothing(self):
        d = wt.Wsfan(workers=2, extra="drain-timeout 2s\n").start()
        try:
            before = []
            for _ in range(20):
                c = wt.RawWs(d.port, path="/ws?ch=r")
                self.assertEqual(c.status, 101)
                c.recv_message()
                before.append(c)
            drops = listen_drops()
            loop = ConnectLoop(d.port)
            loop.start()
            for gen in range(2, 7):
                time.sleep(0.4)
                d.signal(signal.SIGHUP)
                wt.wait_for(lambda: "generation %d serving" % gen in d.log(),
                            10, "generation %d" % gen)
            time.sleep(0.5)
            loop.finish()
            self.assertEqual(loop.failures, [])
            self.assertGreater(loop.ok, 200)
            self.assertEqual(listen_drops() - drops, 0)
            # The clients of generation 1 got 1001, spread over the drain.
            times = []
            for c in before:
                c.sock.settimeout(5)
                t = None
                while True:
                    fin, op, _, payload = c.recv_frame()
                    if op == 8:
                        t = time.monotonic()
                        break
                self.assertEqual(struct.unpack("!H", payload[:2])[0], 1001)
                times.append(t)
                c.close()
            self.assertEqual(d.stop(), 0)
            print("reload: %d handshakes, 0 failed, across 5 reloads"
                  % loop.ok)
        finally:
            d.cleanup()

    def test_old_worker_stays_healthy_while_it_drains(self):
        # A load balancer's health check that reaches a worker of the old
        # generation during a reload must not take the instance out: the
        # old worker answers 200 "replaced" (and closes the connection, so
        # the next check reaches the new generation); only a drain or a
        # stop of the instance answers 503.
        d = wt.Wsfan(workers=1, extra="drain-timeout 5s\n").start()
        try:
            ws = wt.RawWs(d.port, path="/ws")  # keeps the old worker alive
            self.assertEqual(ws.status, 101)
            old = d.worker_pids()
            s = socket.create_connection(("127.0.0.1", d.port), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # half
            time.sleep(0.2)
            d.signal(signal.SIGHUP)
            wt.wait_for(lambda: "generation 2 serving" in d.log(), 10,
                        "generation 2")
            s.sendall(b"\r\n")
            st, head, body = wt.read_response(s)
            self.assertEqual(st, 200, body)
            doc = json.loads(body)
            self.assertEqual((doc["status"], doc["generation"]),
                             ("replaced", 1))
            self.assertIn(doc["pid"], old)
            self.assertEqual(head.get("connection"), "close")
            self.assertEqual(s.recv(10), b"")
            s.close()
            st, _, body = wt.get(d.port)
            self.assertEqual((st, json.loads(body)["status"]), (200, "ok"))
            ws.close()
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_closes_are_spread_over_drain_timeout(self):
        d = wt.Wsfan(workers=1, extra="drain-timeout 3s\n").start()
        try:
            clients = []
            for _ in range(30):
                c = wt.RawWs(d.port, path="/ws")
                self.assertEqual(c.status, 101)
                c.recv_message()
                c.sock.settimeout(6)
                clients.append(c)
            got = []
            lock = threading.Lock()

            def wait_close(c):
                try:
                    while True:
                        fin, op, _, payload = c.recv_frame()
                        if op == 8:
                            with lock:
                                got.append((time.monotonic(), payload[:2]))
                            return
                except (OSError, EOFError):
                    pass

            threads = [threading.Thread(target=wait_close, args=(c,))
                       for c in clients]
            for t in threads:
                t.start()
            t0 = time.monotonic()
            d.signal(signal.SIGHUP)
            for t in threads:
                t.join(8)
            self.assertEqual(len(got), 30)
            self.assertTrue(all(p == b"\x03\xe9" for _, p in got))  # 1001
            spread = max(t for t, _ in got) - min(t for t, _ in got)
            self.assertGreater(spread, 1.2)   # not all at once
            self.assertLess(max(t for t, _ in got) - t0, 3.5)
            for c in clients:
                c.close()
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
