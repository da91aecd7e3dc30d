"""HAProxy in front of two wsfan instances, with the example configuration
packaging/examples/haproxy.cfg (only its bind address and server addresses
rewritten): clients that HAProxy sends to different instances exchange
messages both ways through the shared Redis; HAProxy's health check of
/healthz takes out an instance whose Redis link is down (503) and new
clients go to the other one, while the clients already on it stay
connected. Skipped, saying so, when haproxy is not installed
(packaging/install-deps installs it)."""
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

import wsfantest as wt
from test_fanout import Client

SRC = os.environ.get("WSFAN_SRCDIR", os.path.join(os.path.dirname(__file__),
                                                   "..", ".."))


def find_tool(name):
    """name on PATH or in the sbin directories (not on a user's PATH)."""
    return shutil.which(name, path=os.environ.get("PATH", "") +
                        ":/usr/sbin:/usr/local/sbin:/sbin")


HAPROXY = find_tool("haproxy")


def example(name):
    with open(os.path.join(SRC, "packaging", "examples", name)) as f:
        return f.read()


def set_servers(text, pattern, addrs):
    """Give the lines matching pattern (a regex with groups head, address,
    tail) the addresses addrs, in order; drop the lines beyond them."""
    left = list(addrs)
    out = []
    for ln in text.splitlines(True):
        m = re.match(pattern, ln)
        if not m:
            out.append(ln)
        elif left:
            out.append(m.group(1) + left.pop(0) + m.group(3) + "\n")
    assert not left, "fewer server lines than instances in the example"
    return "".join(out)


class Cluster:
    """Two wsfan instances (one worker each) on redis_a and redis_b (the
    same Redis, or not), and a load balancer in front, started by the
    subclass's start_lb(). Clients through the balancer: self.client()."""

    def __init__(self, redis_a, redis_b):
        self.dir = tempfile.mkdtemp(prefix="wsfan-lb-")
        self.instances = []
        self.lb = None
        self.lb_log = os.path.join(self.dir, "lb.log")
        self.port = wt.free_port()
        try:
            for r in (redis_a, redis_b):
                self.instances.append(wt.Wsfan(workers=1, redis=r).start())
            self.start_lb()
        except BaseException:
            self.cleanup()
            raise

    def addrs(self):
        return ["127.0.0.1:%d" % d.port for d in self.instances]

    def run_lb(self, argv, ready):
        self.logf = open(self.lb_log, "ab")
        self.lb = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                   stdout=self.logf, stderr=self.logf)
        wt.wait_for(lambda: self.lb.poll() is not None or ready(), 15,
                    "the load balancer to serve")
        assert self.lb.poll() is None, "the load balancer exited:\n" + \
            self.log()

    def serves(self):
        try:
            return wt.get(self.port, timeout=1)[0] == 200
        except OSError:
            return False

    def log(self):
        with open(self.lb_log, errors="replace") as f:
            return f.read()

    def client(self, query="ch=lobby"):
        c = Client(self.port, query)
        assert c.status == 101 and c.welcome, (c.status, c.welcome)
        return c

    def instance_of(self, c):
        """Index of the instance whose worker holds client c."""
        for i, d in enumerate(self.instances):
            if c.pid in d.worker_pids():
                return i
        raise AssertionError("client %s is on no instance" % c.conn)

    def cleanup(self):
        if self.lb is not None and self.lb.poll() is None:
            self.lb.terminate()
            try:
                self.lb.wait(10)
            except subprocess.TimeoutExpired:
                self.lb.kill()
                self.lb.wait()
        if getattr(self, "logf", None):
            self.logf.close()
        for d in self.instances:
            d.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)


class HAProxyCluster(Cluster):
    def start_lb(self):
        text = example("haproxy.cfg")
        text, n = re.subn(r"(?m)^(\s*bind\s+)\S+", r"\g<1>127.0.0.1:%d"
                          % self.port, text)
        assert n == 1, "expected one bind line in haproxy.cfg"
        text = set_servers(text, r"^(\s*server\s+\S+\s+)(\S+)(.*)$",
                           self.addrs())
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(text)
        # -n: a small maxconn, so that HAProxy needs no more descriptors
        # than a test machine allows (the example's is for production).
        self.run_lb([HAPROXY, "-f", cfg, "-db", "-n", "1000"], self.serves)


def exchange(a, b, ch="lobby"):
    """a publishes, b (and a) receive; then the other way."""
    for src, dst, n in ((a, b, 1), (b, a, 2)):
        data = {"n": n, "conn": src.conn}
        src.ok({"op": "pub", "ch": ch, "data": data})
        for c in (dst, src):
            m = c.msg(timeout=5)
            assert m == {"ch": ch, "data": data}, m


@unittest.skipIf(HAPROXY is None, "haproxy is not installed (Debian/Fedora "
                 "package haproxy; packaging/install-deps installs it)")
@unittest.skipIf(wt.EXTERNAL, "needs its own daemons")
class HAProxy(unittest.TestCase):
    def test_clients_on_two_instances_exchange_messages(self):
        redis = wt.Redis()
        cl = HAProxyCluster(redis, redis)
        try:
            # leastconn: the second client goes to the instance that does
            # not have the first.
            a = cl.client()
            b = cl.client()
            self.assertEqual({cl.instance_of(a), cl.instance_of(b)}, {0, 1})
            exchange(a, b)
            # More clients spread too, and all hear each other.
            more = [cl.client() for _ in range(4)]
            on = [cl.instance_of(c) for c in more]
            self.assertEqual(sorted(on), [0, 0, 1, 1], on)
            more[0].ok({"op": "pub", "ch": "lobby", "data": "all"})
            for c in [a, b] + more:
                self.assertEqual(c.msg(), {"ch": "lobby", "data": "all"})
            for c in [a, b] + more:
                c.close()
            for d in cl.instances:
                self.assertEqual(d.stop(), 0)
        finally:
            cl.cleanup()
            redis.cleanup()

    def test_health_check_takes_out_an_instance_without_redis(self):
        redises = [wt.Redis(), wt.Redis()]
        cl = HAProxyCluster(*redises)
        try:
            a = cl.client()
            b = cl.client()
            ia, ib = cl.instance_of(a), cl.instance_of(b)
            self.assertEqual({ia, ib}, {0, 1})
            # b's instance loses its Redis: its /healthz answers 503, and
            # HAProxy marks it down after two failed checks.
            redises[ib].kill()
            wt.wait_for(lambda: wt.get(cl.instances[ib].port)[0] == 503, 10,
                        "/healthz of the instance without Redis to say 503")
            wt.wait_for(lambda: re.search(
                r"Server wsfan/wsfan%d is DOWN, reason: Layer7 wrong status, "
                r"code: 503" % (ib + 1), cl.log()), 15,
                "HAProxy to mark wsfan%d down" % (ib + 1))
            self.assertNotIn("wsfan/wsfan%d is DOWN" % (ia + 1), cl.log())
            # New clients all go to the other instance and hear each
            # other...
            new = [cl.client() for _ in range(3)]
            self.assertEqual([cl.instance_of(c) for c in new], [ia] * 3)
            exchange(new[0], new[1])
            new[2].msg()
            new[2].msg()
            # ...while the client on the instance without Redis is still
            # connected (no shutdown-sessions: a Redis outage does not cut
            # clients).
            b.ok({"op": "ping"})
            self.assertIsNone(b.closed)
            for c in [a, b] + new:
                c.close()
            for d in cl.instances:
                self.assertEqual(d.stop(), 0)
        finally:
            cl.cleanup()
            for r in redises:
                r.cleanup()


if __name__ == "__main__":
    wt.main()
