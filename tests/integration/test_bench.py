"""wsfan-bench against the real daemon, briefly: a smoke test of the load
generator (the full runs are benchmarks, not tests; see bench/).

- fanout through Redis PUBLISH: a few hundred subscribers on one channel
  for ~3 s at a fixed rate; zero loss, and exactly subscribers x messages
  deliveries, no duplicates, every PUBLISH received by both workers;
- fanout through POST /api/publish from two bench processes over three
  channels, bounded by a message count;
- echo, plain and with permessage-deflate negotiated, every echo checked;
- non-loopback targets are refused;
- --peer nchan against two nginx + nchan instances sharing a Redis
  (bench/peers/nchan.conf.in; skipped where nginx or the module is not
  installed): subscribers on both get every message published over HTTP
  to one of them, with nothing lost.
"""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
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
                           "--ch-prefix", "smoke", "--json-hist")
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
        # --json-hist: the merged buckets, lowest first, count them all
        h = r["latency_hist"]
        self.assertEqual(sum(b[2] for b in h), r["deliveries"])
        self.assertTrue(all(lo <= hi and n > 0 for lo, hi, n in h))
        self.assertEqual([b[0] for b in h], sorted(b[0] for b in h))
        # (min and max are printed to 0.1 us)
        self.assertLessEqual(h[0][0], r["latency_us"]["min"] * 1e3 + 100)
        self.assertGreaterEqual(h[-1][1], r["latency_us"]["max"] * 1e3 - 100)

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


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
SRCDIR = os.environ.get("WSFAN_SRCDIR") or os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..")


@unittest.skipUnless(os.access(NGINX, os.X_OK) and
                     os.path.exists(NCHAN_MODULE),
                     "nginx + libnginx-mod-nchan not installed")
class NchanPeer(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.redis = wt.Redis()
        cls.dir = tempfile.mkdtemp(prefix="wsfan-nchan-")
        os.chmod(cls.dir, 0o755)  # workers run as nobody under root
        cls.procs, cls.ports = [], []
        with open(os.path.join(SRCDIR, "bench", "peers",
                               "nchan.conf.in")) as f:
            tpl = f.read()
        for name in ("a", "b"):
            prefix = os.path.join(cls.dir, name)
            os.makedirs(prefix)
            os.chmod(prefix, 0o755)
            port = wt.free_port()
            conf = tpl
            for k, v in (("PREFIX", prefix), ("PORT", str(port)),
                         ("WORKERS", "2"), ("NOFILE", "1024"),
                         ("REDIS", "127.0.0.1:%d" % cls.redis.port),
                         ("MODE", "nostore"), ("MODULE", NCHAN_MODULE)):
                conf = conf.replace("@%s@" % k, v)
            with open(os.path.join(prefix, "nginx.conf"), "w") as f:
                f.write(conf)
            log = open(os.path.join(prefix, "stderr.log"), "ab")
            cls.procs.append(subprocess.Popen(
                [NGINX, "-p", prefix, "-c", os.path.join(prefix, "nginx.conf"),
                 "-g", "daemon off;"], stdin=subprocess.DEVNULL, stdout=log,
                stderr=log))
            log.close()
            cls.ports.append(port)
        for port in cls.ports:
            wt.wait_for(lambda: cls._linked(port), 15,
                        "nchan on %d linked to Redis" % port)

    @staticmethod
    def _linked(port):
        try:
            with socket.create_connection(("127.0.0.1", port), 1) as s:
                s.sendall(b"GET /status HTTP/1.0\r\n\r\n")
                data = b""
                while True:
                    b = s.recv(4096)
                    if not b:
                        break
                    data += b
        except OSError:
            return False
        return (data.startswith(b"HTTP/1.1 200") and
                b"redis connected servers: 0" not in data)

    @classmethod
    def tearDownClass(cls):
        for p in cls.procs:
            p.terminate()  # nginx's fast shutdown: the workers go too
        for p in cls.procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        cls.redis.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def test_fanout_over_two_instances(self):
        time.sleep(0.3)
        rc, r, err = bench("fanout", "--peer", "nchan",
                           "-u", "ws://127.0.0.1:%d" % self.ports[0],
                           "-u", "ws://127.0.0.1:%d" % self.ports[1],
                           "--pub-url", "http://127.0.0.1:%d" % self.ports[0],
                           "--pub-conns", 1, "-c", 100, "-n", 30, "-r", 30,
                           "--ch-prefix", "smokenchan")
        self.assertEqual(rc, 0, err)
        self.assertEqual(r["peer"], "nchan")
        self.assertEqual(r["pub"], "http")
        self.assertEqual(r["ready"], 100)
        self.assertEqual(r["published"], 30)
        self.assertEqual(r["pub_acks"], 30)
        self.assertEqual(r["loss"], 0)
        self.assertEqual(r["bad"], 0)
        # one publisher connection: nchan keeps its order
        self.assertEqual(r["reordered"], 0)
        self.assertEqual(r["deliveries"], 100 * 30)
        self.assertGreater(r["mono_last_delivery_ns"],
                           r["mono_first_pub_ns"])


if __name__ == "__main__":
    wt.main()
