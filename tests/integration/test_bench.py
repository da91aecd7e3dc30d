"""wsfan-bench against the real daemon, briefly: a smoke test of the load
generator (the full runs are benchmarks, not tests; see bench/).

- fanout through Redis PUBLISH: a few hundred subscribers on one channel
  for ~3 s at a fixed rate; zero loss, and exactly subscribers x messages
  deliveries, no duplicates, every PUBLISH received by both workers;
- fanout through POST /api/publish from two bench processes over three
  channels, bounded by a message count;
- echo, plain and with permessage-deflate negotiated, every echo checked;
- non-loopback targets are refused.
"""
import json
import os
import subprocess
import unittest

import wsfantest as wt

BENCH = os.environ.get("WSFAN_BENCH") or os.path.join(
    os.environ.get("WSFAN_BUILDDIR", "."), "bench", "wsfan-bench")


def bench(*args, timeout=90):
    """Run wsfan-bench with --json; returns (exit status, result dict)."""
    if not os.access(BENCH, os.X_OK):
        raise AssertionError("wsfan-bench not built: %s" % BENCH)
    p = subprocess.run([BENCH] + [str(a) for a in args] + ["--json", "-q"],
                       capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    out = p.stdout.strip()
    try:
        res = json.loads(out) if out else None
    except ValueError:
        raise AssertionError("not JSON: %r (stderr %r)" % (out, p.stderr))
    return p.returncode, res, p.stderr


class Bench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.d = wt.Wsfan(workers=2, extra="echo on\ncompression on\n").start()
        cls.url = "ws://127.0.0.1:%d" % cls.d.port

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.d.stop() == 0
        finally:
            cls.d.cleanup()

    def test_fanout_redis_zero_loss(self):
        subs = 300
        rc, r, err = bench("fanout", "-u", self.url, "-c", subs, "-C", 1,
                           "-r", 50, "-d", 3, "--redis", self.d.redis.url,
                           "--ch-prefix", "smoke")
        self.assertEqual(rc, 0, err)
        self.assertEqual(r["ready"], subs)
        self.assertEqual(r["failed"], 0)
        self.assertEqual(r["dropped"], 0)
        self.assertGreaterEqual(r["published"], 140)
        self.assertLessEqual(r["published"], 151)
        self.assertEqual(r["pub_errors"], 0)
        self.assertEqual(r["loss"], 0)
        self.assertEqual(r["duplicates"], 0)
        self.assertEqual(r["bad"], 0)
        self.assertEqual(r["deliveries"], subs * r["published"])
        self.assertEqual(r["expected"], subs * r["published"])
        # Both workers hold subscribers of the channel, so Redis hands
        # every PUBLISH to two subscriber links.
        self.assertEqual(r["pub_receivers"], 2 * r["published"])
        self.assertEqual(r["latency_us"]["count"], r["deliveries"])
        self.assertGreater(r["latency_us"]["p50"], 0)

    def test_fanout_http_two_procs(self):
        rc, r, err = bench("fanout", "-u", self.url, "-c", 200, "-C", 3,
                           "-P", 2, "-n", 60, "-r", 100, "--pub", "http",
                           "--ch-prefix", "smokehttp")
        self.assertEqual(rc, 0, err)
        self.assertEqual(r["procs"], 2)
        self.assertEqual(r["published"], 60)
        self.assertEqual(r["pub_acks"], 60)
        self.assertEqual(r["loss"], 0)
        # 200 subscribers over 3 channels (67, 67, 66), 20 messages each
        self.assertEqual(r["deliveries"], 200 * 20)

    def test_echo(self):
        # 65536 B: the default max-message-size, exactly
        for extra in ([], ["--deflate", "-s", 4096],
                      ["--binary", "-s", 65536]):
            rc, r, err = bench("echo", "-u", self.url, "-c", 20, "-d", 1,
                               *(extra or ["-s", 300]))
            self.assertEqual(rc, 0, err)
            self.assertEqual(r["ready"], 20)
            self.assertGreater(r["roundtrips"], 100)
            self.assertEqual(r["mismatches"], 0)
            self.assertEqual(r["dropped"], 0)
            self.assertEqual(r["deflate_negotiated"],
                             20 if "--deflate" in extra else 0)

    def test_refuses_other_hosts(self):
        p = subprocess.run([BENCH, "echo", "-u", "ws://192.0.2.1:80"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(p.returncode, 1)
        self.assertIn("loopback", p.stderr)


if __name__ == "__main__":
    wt.main()
