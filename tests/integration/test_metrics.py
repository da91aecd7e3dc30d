"""/metrics through the real daemon: Prometheus text that parses, counters
that match what the test did, totals that survive a worker restart; and a
worker frozen with SIGSTOP replaced after worker-hang-timeout."""
import json
import os
import re
import signal
import time
import unittest

import wsfantest as wt

LINE = re.compile(r'^([a-z_]+)(\{([a-z_]+)="([^"]*)"\})? ([0-9.e+-]+)$')


def scrape(port):
    st, h, body = wt.get(port, "/metrics")
    assert st == 200, st
    assert h["content-type"].startswith("text/plain; version=0.0.4")
    families, samples = {}, {}
    for ln in body.decode().splitlines():
        if ln.startswith("# HELP "):
            families.setdefault(ln.split()[2], {})["help"] = True
        elif ln.startswith("# TYPE "):
            _, _, name, typ = ln.split()
            families.setdefault(name, {})["type"] = typ
        else:
            m = LINE.match(ln)
            assert m, "not Prometheus text: %r" % ln
            key = m.group(1) + ("{%s}" % m.group(4) if m.group(2) else "")
            samples[key] = float(m.group(5))
            assert m.group(1) in families, "no HELP/TYPE for %s" % ln
    for name, f in families.items():
        assert f.get("help") and f.get("type") in ("counter", "gauge"), name
        if f["type"] == "counter":
            assert name.endswith("_total"), name
    return samples


class Metrics(unittest.TestCase):
    def test_counters_match(self):
        d = wt.Wsfan(workers=2).start()
        try:
            subs = []
            for i in range(6):
                c = wt.RawWs(d.port, path="/ws?ch=m1&ch=m2")
                self.assertEqual(c.status, 101)
                c.recv_message()  # welcome
                subs.append(c)
            for i in range(5):
                body = b'{"ch":"m1","data":%d}' % i
                st, _, _ = wt.http_request(
                    d.port, b'POST /api/publish HTTP/1.1\r\nHost: t\r\n'
                    b'Content-Length: %d\r\nConnection: close\r\n\r\n%s'
                    % (len(body), body))
                self.assertEqual(st, 200)
            for c in subs:
                for i in range(5):
                    self.assertEqual(c.recv_message()[0], 1)
            bad = wt.RawWs(d.port, path="/ws",
                           headers=("Origin: http://evil.example",))
            self.assertEqual(bad.status, 403)
            bad.close()
            time.sleep(0.6)  # workers publish every 250 ms
            m = scrape(d.port)
            self.assertEqual(m["wsfan_workers"], 2)
            self.assertEqual(m["wsfan_subscriptions"], 12)
            self.assertGreaterEqual(m["wsfan_connections"], 6)
            self.assertEqual(m["wsfan_messages_in_total{api}"], 5)
            self.assertEqual(m["wsfan_messages_delivered_total"], 30)
            self.assertEqual(m["wsfan_handshakes_total"], 6)
            self.assertEqual(m["wsfan_handshake_failures_total{origin}"], 1)
            self.assertEqual(m["wsfan_redis_up"], 2)
            self.assertGreater(m["wsfan_bytes_out_total"], 30 * 20)
            # At most one write per frame or response (6 handshakes, 6
            # welcomes, 30 deliveries, 5 publish answers, the 403, and
            # the health checks and scrapes before this one); frames
            # queued together for one connection share a write.
            self.assertGreaterEqual(m["wsfan_writes_total"], 6)
            self.assertLessEqual(m["wsfan_writes_total"], 60)
            # Totals survive a worker's death.
            before = m["wsfan_messages_delivered_total"]
            victim = d.worker_pids()[0]
            os.kill(victim, signal.SIGKILL)
            wt.wait_for(lambda: len(d.worker_pids()) == 2 and
                        victim not in d.worker_pids(), 3, "a replacement")
            time.sleep(0.6)
            m = scrape(d.port)
            self.assertEqual(m["wsfan_messages_delivered_total"], before)
            self.assertEqual(m["wsfan_worker_restarts_total"], 1)
            for c in subs:
                c.close()
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Hang(unittest.TestCase):
    def test_sigstop_worker_replaced(self):
        d = wt.Wsfan(workers=2, extra="worker-hang-timeout 2s\n").start()
        try:
            victim = d.worker_pids()[0]
            t0 = time.monotonic()
            os.kill(victim, signal.SIGSTOP)
            wt.wait_for(lambda: victim not in d.worker_pids() and
                        len(d.worker_pids()) == 2, 6, "the hung worker's "
                        "replacement")
            took = time.monotonic() - t0
            self.assertGreater(took, 1.5)
            self.assertLess(took, 4.5)
            self.assertIn("has not run its loop", d.log())
            self.assertEqual(wt.get(d.port)[0], 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
