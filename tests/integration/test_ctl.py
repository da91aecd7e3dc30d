"""wsfanctl and the control socket against the real daemon: every command,
human and --json; stats numbers that match what the test did; reload (ok,
and refused with file:line while the old workers keep serving); drain and
stop; status exit codes (healthy 0, Redis down 1, no daemon 2); the
socket's mode, group and peer-credential check (a client of another uid is
refused); config with the secrets redacted; the raw protocol's errors."""
import grp
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import unittest

import wsfantest as wt

KEY = "ctl-test-api-key-0123456789"
REDIS_PASS = "ctl-redis-s3cret"
NOBODY = 65534


def post(port, ch, data):
    body = json.dumps({"ch": ch, "data": data}).encode()
    raw = (b"POST /api/publish HTTP/1.1\r\nHost: t\r\nContent-Type: "
           b"application/json\r\nAuthorization: Bearer %s\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n%s"
           % (KEY.encode(), len(body), body))
    return wt.http_request(port, raw)[0]


def subscriber(port, ch):
    ws = wt.RawWs(port, path="/ws?ch=" + ch)
    assert ws.status == 101, ws.status
    op, welcome = ws.recv_message()
    assert json.loads(welcome)["op"] == "welcome"
    return ws


def js(r):
    """The one JSON line of a --json run."""
    lines = r.stdout.splitlines()
    assert len(lines) == 1, r.stdout
    return json.loads(lines[0])


def raw_request(path, data, read=True):
    """Send bytes on the control socket, return the answer line parsed."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(data)
        buf = b""
        while read and not buf.endswith(b"\n"):
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)


def api_key_file(d):
    path = os.path.join(d.dir, "api.key")
    with open(path, "w") as f:
        f.write(KEY + "\n")
    return path


@unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
class Commands(unittest.TestCase):
    """One daemon; its Redis wants a user and a password."""

    @classmethod
    def setUpClass(cls):
        cls.r = wt.Redis()
        cls.r.cmd("ACL", "SETUSER", "wsfan", "on", ">" + REDIS_PASS, "~*",
                  "&*", "+@all")
        url = "redis://wsfan:%s@127.0.0.1:%d" % (REDIS_PASS, cls.r.port)
        cls.d = wt.Wsfan(workers=2, redis=url)
        with open(cls.d.conf, "a") as f:
            f.write("publish-api-key-file %s\n" % api_key_file(cls.d))
        cls.d.start()
        wt.wait_for(lambda: cls.d.ctl("status").returncode == 0, 10,
                    "status healthy")

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.d.stop() == 0
        finally:
            cls.d.cleanup()
            cls.r.cleanup()

    def stats(self):
        r = self.d.ctl("--json", "stats")
        self.assertEqual(r.returncode, 0, r.stderr)
        return js(r)

    def test_status(self):
        r = self.d.ctl("status")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^healthy: generation 1, 2/2 workers "
                                   r"ready, Redis up on 2\n$")
        r = self.d.ctl("--json", "status")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = js(r)
        self.assertEqual((a["ok"], a["status"], a["reasons"], a["workers"],
                          a["ready"], a["redis_up"], a["pid"]),
                         (True, "healthy", [], 2, 2, 2, self.d.pid))

    def test_stats_match_what_we_did(self):
        n, m = 5, 4
        base = self.stats()["total"]
        subs = [subscriber(self.d.port, "ctl-a") for _ in range(n)]
        try:
            for i in range(m):
                self.assertEqual(post(self.d.port, "ctl-a", {"i": i}), 200)
            for ws in subs:
                for i in range(m):
                    op, data = ws.recv_message()
                    self.assertEqual(json.loads(data),
                                     {"ch": "ctl-a", "data": {"i": i}})

            def settled():
                t = self.stats()
                tot = t["total"]
                ok = (tot["ws_connections"] == n and
                      tot["connections"] == n and
                      tot["subscriptions"] == n and
                      tot["messages_in"]["api"] -
                      base["messages_in"]["api"] == m and
                      tot["delivered"] - base["delivered"] == n * m and
                      tot["handshakes"] - base["handshakes"] == n)
                return t if ok else None
            a = wt.wait_for(settled, 5, "stats to show the clients and "
                            "messages (250 ms refresh)", interval=0.1)
        finally:
            for ws in subs:
                ws.close()
        tot = a["total"]
        # Each worker with subscribers got each message once from Redis.
        got = tot["messages_in"]["redis"] - base["messages_in"]["redis"]
        self.assertIn(got, range(m, 2 * m + 1))
        self.assertIn(tot["channels"], (1, 2))
        self.assertEqual(tot["workers"], 2)
        self.assertEqual(tot["redis_up"], 2)
        self.assertGreater(tot["bytes_out"], base["bytes_out"])
        ws = a["workers"]
        self.assertEqual(len(ws), 2)
        self.assertEqual(sum(w["ws_connections"] for w in ws), n)
        self.assertEqual(sum(w["subscriptions"] for w in ws), n)
        for w in ws:
            self.assertEqual(w["state"], "ready")
            self.assertTrue(w["redis_up"])
            self.assertIn("api", w["messages_in"])
            self.assertIn("timeout", w["handshake_failures"])
        # Human: the totals lines and an aligned per-worker table.
        r = self.d.ctl("stats")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("messages in: redis", r.stdout)
        table = r.stdout.split("\n\n", 1)[1].splitlines()
        self.assertTrue(table[0].lstrip().startswith("PID "), r.stdout)
        self.assertEqual(len(table), 3, r.stdout)
        end = table[0].index("BYTES OUT") + len("BYTES OUT")
        for row in table[1:]:  # right-aligned under the header
            self.assertEqual(len(row), end, r.stdout)

    def test_stats_watch(self):
        t0 = time.monotonic()
        r = self.d.ctl("stats", "--watch", "--count", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.count("messages in:"), 3)
        self.assertGreater(time.monotonic() - t0, 1.8)
        r = self.d.ctl("--json", "stats", "--count", "2")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(ln)["ok"]
                          for ln in r.stdout.splitlines()], [True, True])

    def test_workers(self):
        r = self.d.ctl("--json", "workers")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = js(r)
        self.assertEqual(sorted(w["pid"] for w in a["workers"]),
                         sorted(self.d.worker_pids()))
        for w in a["workers"]:
            self.assertEqual((w["generation"], w["state"], w["current"]),
                             (1, "ready", True))
            self.assertLess(w["heartbeat_age_ms"], 2000)
            self.assertEqual(w["restarts"], 0)
        self.assertEqual(sorted(w["slot"] for w in a["workers"]), [0, 1])
        r = self.d.ctl("workers")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["PID", "SLOT", "GEN", "STATE",
                                            "CONNS", "HEARTBEAT", "RESTARTS",
                                            "UPTIME", "REDIS"])
        self.assertEqual(len(lines), 3)
        for ln in lines[1:]:
            self.assertIn(" ready ", ln)
            self.assertIn(" ago ", ln)

    def test_channels_ranks_over_all_workers(self):
        # 24 + 12 + 5 subscribers of three channels, spread by the kernel
        # over both workers, plus one connection on all three.
        want = {"rank-hot": 24, "rank-warm": 12, "rank-cool": 5}
        conns = [subscriber(self.d.port, ch)
                 for ch, n in want.items() for _ in range(n - 1)]
        multi = subscriber(self.d.port, "rank-hot")
        try:
            for i, ch in enumerate(("rank-warm", "rank-cool")):
                multi.send(0x1, json.dumps({"op": "sub", "ch": ch,
                                            "id": i + 1}).encode())
                op, data = multi.recv_message()
                self.assertEqual(json.loads(data),
                                 {"id": i + 1, "ok": True})
            # The workers publish their counts every 250 ms.
            wt.wait_for(lambda: sum(w["subscriptions"] for w in
                                    self.stats()["workers"]) == 41, 5,
                        "41 subscriptions in stats")
            pids = {w["pid"] for w in self.stats()["workers"]
                    if w["subscriptions"] > 0}
            self.assertEqual(len(pids), 2, "the kernel put every "
                             "connection on one worker")
            r = self.d.ctl("--json", "channels", "--top", "3")
            self.assertEqual(r.returncode, 0, r.stderr)
            a = js(r)
            self.assertEqual(
                [(c["channel"], c["subscribers"], c["exact"])
                 for c in a["channels"]],
                [(ch, n, True) for ch, n in want.items()])
            self.assertEqual((a["top"], a["complete"], a["workers_asked"],
                              a["workers_answered"]), (3, True, 2, 2))
            # Both workers hold rank-hot: the per-worker sum counts it twice.
            self.assertGreaterEqual(a["channels_per_worker_sum"], 4)
            r = self.d.ctl("channels", "--top", "2")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertRegex(r.stdout, r"^RANK +CHANNEL +SUBSCRIBERS\n"
                                       r" +1 +rank-hot +24\n"
                                       r" +2 +rank-warm +12\n$")
            # Without --top: the default 100, here every channel.
            a = js(self.d.ctl("--json", "channels"))
            self.assertEqual(a["top"], 100)
            self.assertEqual({c["channel"] for c in a["channels"]},
                             set(want))
        finally:
            for ws in conns + [multi]:
                ws.close()
        wt.wait_for(lambda: not js(self.d.ctl("--json", "channels"))
                    ["channels"], 5, "channels gone")
        r = self.d.ctl("channels")
        self.assertEqual(r.stdout, "no channel has subscribers\n")
        r = self.d.ctl("channels", "--top", "1001")
        self.assertEqual(r.returncode, 1)
        self.assertIn("1000", r.stderr)

    def test_config_redacts_secrets(self):
        r = self.d.ctl("config")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("redis-url redis://wsfan:****@127.0.0.1:%d\n"
                      % self.r.port, r.stdout)
        self.assertIn("control-socket %s\n" % self.d.ctl_sock, r.stdout)
        self.assertIn("workers 2\n", r.stdout)
        self.assertIn("control-socket-mode 0660\n", r.stdout)
        for secret in (REDIS_PASS, KEY):
            self.assertNotIn(secret, r.stdout)
        r = self.d.ctl("--json", "config")
        self.assertEqual(r.returncode, 0, r.stderr)
        for secret in (REDIS_PASS, KEY):
            self.assertNotIn(secret, r.stdout)
        a = js(r)
        self.assertEqual(a["path"], self.d.conf)
        lines = {ln[0]: ln[1:] for ln in a["config"]}
        self.assertEqual(lines["redis-url"],
                         ["redis://wsfan:****@127.0.0.1:%d" % self.r.port])
        self.assertEqual(lines["listen"], ["127.0.0.1:%d" % self.d.port])
        self.assertEqual(lines["publish-api-key-file"],
                         [os.path.join(self.d.dir, "api.key")])
        # The human output is a config wsfan accepts.
        p = os.path.join(self.d.dir, "dump.conf")
        with open(p, "w") as f:
            f.write(self.d.ctl("config").stdout)
        t = wt.run_wsfan(["-t", "-c", p])
        self.assertEqual(t.returncode, 0, t.stderr)

    def test_socket_mode_default(self):
        st = os.stat(self.d.ctl_sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual(st.st_uid, os.geteuid())

    def test_protocol_errors(self):
        a = raw_request(self.d.ctl_sock, b'{"cmd":"bogus"}\n')
        self.assertEqual((a["ok"], a["code"]), (False, "unknown_command"))
        self.assertIn('"bogus"', a["error"])
        a = raw_request(self.d.ctl_sock, b'not json\n')
        self.assertEqual((a["ok"], a["code"]), (False, "bad_request"))
        a = raw_request(self.d.ctl_sock, b'{"cmd":"status","v":2}\n')
        self.assertEqual(a["code"], "bad_version")
        a = raw_request(self.d.ctl_sock, b'{"cmd":"drain","timeout_ms":-1}\n')
        self.assertEqual(a["code"], "bad_request")
        a = raw_request(self.d.ctl_sock, b'{"cmd":"status"' +
                        b' ' * 5000 + b'}\n')
        self.assertEqual(a["code"], "too_large")
        # No newline: the end of the stream ends the request.
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(self.d.ctl_sock)
            s.sendall(b'{"cmd":"status","extra":[1,2]}')
            s.shutdown(socket.SHUT_WR)
            a = json.loads(s.makefile().readline())
        self.assertEqual((a["ok"], a["status"]), (True, "healthy"))
        # Several clients at once, one of them silent.
        idle = socket.socket(socket.AF_UNIX)
        idle.connect(self.d.ctl_sock)
        try:
            for _ in range(3):
                self.assertEqual(self.d.ctl("status").returncode, 0)
        finally:
            idle.close()

    def test_usage(self):
        for args, rc in ((["bogus"], 64), ([], 64), (["stats", "--nope"], 64),
                         (["drain", "--timeout", "soon"], 64),
                         (["--help"], 0), (["--version"], 0)):
            r = subprocess.run([wt.WSFANCTL_BIN] + args, capture_output=True,
                               text=True, timeout=10)
            self.assertEqual(r.returncode, rc, (args, r.stderr))
        r = subprocess.run([wt.WSFANCTL_BIN, "-c", self.d.conf, "status"],
                           capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 0, r.stderr)


@unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
class Lifecycle(unittest.TestCase):
    """reload, drain, stop: each changes the daemon, so each gets one."""

    def setUp(self):
        self.d = wt.Wsfan(workers=2).start()
        wt.wait_for(lambda: self.d.ctl("status").returncode == 0, 10,
                    "status healthy")

    def tearDown(self):
        try:
            if self.d.proc.poll() is None:
                self.assertEqual(self.d.stop(), 0)
        finally:
            self.d.cleanup()

    def test_reload_ok(self):
        old = set(self.d.worker_pids())
        r = self.d.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout,
                         "reloaded: generation 2 is serving (2 workers)\n")
        # Serving when it answers: the new generation is all ready.
        a = js(self.d.ctl("--json", "workers"))
        new = [w for w in a["workers"] if w["generation"] == 2]
        self.assertEqual(sorted(w["slot"] for w in new), [0, 1])
        self.assertTrue(all(w["state"] == "ready" and w["current"]
                            for w in new))
        self.assertFalse({w["pid"] for w in new} & old)
        r = self.d.ctl("status")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("generation 2", r.stdout)
        wt.wait_for(lambda: not set(self.d.worker_pids()) & old, 10,
                    "the old generation to exit")
        r = self.d.ctl("--json", "reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        a = js(r)
        self.assertEqual((a["ok"], a["serving_generation"], a["workers"]),
                         (True, 3, 2))

    def test_reload_invalid_config_keeps_serving(self):
        with open(self.d.conf) as f:
            good = f.read()
        old = sorted(self.d.worker_pids())
        bad = good + "max-connections lots\n"
        line = bad.count("\n")
        self.d.write_conf(bad)
        try:
            r = self.d.ctl("reload")
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("wsfanctl: reload refused: %s:%d: invalid value "
                          '"lots" for "max-connections"' % (self.d.conf, line),
                          r.stderr)
            r = self.d.ctl("--json", "reload")
            self.assertEqual(r.returncode, 1)
            a = js(r)
            self.assertEqual((a["ok"], a["code"]), (False, "refused"))
            self.assertTrue(a["error"].startswith("%s:%d: " % (self.d.conf,
                                                               line)))
        finally:
            self.d.write_conf(good)
        self.assertEqual(sorted(self.d.worker_pids()), old)
        self.assertEqual(wt.get(self.d.port)[0], 200)
        a = js(self.d.ctl("--json", "workers"))
        self.assertEqual({w["generation"] for w in a["workers"]}, {1})
        self.assertEqual(self.d.ctl("status").returncode, 0)

    def test_drain_then_reload_serves_again(self):
        ws = subscriber(self.d.port, "ctl-d")
        # A request under way when the drain starts is answered, and the
        # health check says the instance is going away.
        hc = socket.create_connection(("127.0.0.1", self.d.port), timeout=5)
        hc.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        time.sleep(0.2)
        r = self.d.ctl("drain", "--timeout", "2s")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("draining 2 workers", r.stdout)
        hc.sendall(b"\r\n")
        st, _, body = wt.read_response(hc)
        hc.close()
        self.assertEqual((st, json.loads(body)["status"]), (503, "draining"))
        ws.expect_close(1001)
        ws.close()
        wt.wait_for(lambda: not self.d.worker_pids(), 10,
                    "the drained workers to exit")
        self.assertEqual(self.d.proc.poll(), None)  # the master stays
        r = self.d.ctl("status")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn("drained", r.stdout)
        self.assertEqual(js(self.d.ctl("--json", "workers"))["workers"], [])
        with self.assertRaises(OSError):  # the ports are closed
            wt.get(self.d.port, timeout=2)
        time.sleep(1.5)  # nothing restarts the workers
        self.assertEqual(self.d.worker_pids(), [])
        r = self.d.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(wt.get(self.d.port)[0], 200)
        self.assertEqual(self.d.ctl("status").returncode, 0)
        a = js(self.d.ctl("--json", "drain"))
        self.assertEqual((a["ok"], a["workers"], a["timeout_ms"]),
                         (True, 2, 10000))

    def test_stop(self):
        r = self.d.ctl("stop")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("stopping wsfan (pid %d)" % self.d.pid, r.stdout)
        self.assertEqual(self.d.proc.wait(15), 0)
        self.assertFalse(os.path.exists(self.d.ctl_sock))
        r = self.d.ctl("status")
        self.assertEqual(r.returncode, 2)
        self.assertIn("wsfan is not running? no control socket at %s"
                      % self.d.ctl_sock, r.stderr)


@unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
class Status(unittest.TestCase):
    def test_redis_down_is_degraded(self):
        d = wt.Wsfan(workers=2).start()
        try:
            wt.wait_for(lambda: d.ctl("status").returncode == 0, 10,
                        "healthy")
            d.redis.kill()
            r = wt.wait_for(lambda: (lambda r: r if r.returncode == 1
                                     else None)(d.ctl("status")), 10,
                            "status degraded")
            self.assertIn("Redis link down", r.stdout)
            self.assertTrue(r.stdout.startswith("degraded: "), r.stdout)
            a = js(d.ctl("--json", "status"))
            self.assertEqual(a["status"], "degraded")
            self.assertTrue(any("Redis link down" in x for x in a["reasons"]))
            d.redis.start()
            wt.wait_for(lambda: d.ctl("status").returncode == 0, 15,
                        "healthy again")
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_stalled_worker_is_degraded(self):
        d = wt.Wsfan(workers=2, extra="worker-hang-timeout 30s\n").start()
        try:
            wt.wait_for(lambda: d.ctl("status").returncode == 0, 10,
                        "healthy")
            pid = d.worker_pids()[0]
            os.kill(pid, signal.SIGSTOP)
            try:
                r = wt.wait_for(lambda: (lambda r: r if r.returncode == 1
                                         else None)(d.ctl("status")), 10,
                                "status degraded")
                self.assertRegex(r.stdout, r"worker \d \(pid %d\): event "
                                 r"loop stalled for \d+ ms" % pid)
            finally:
                os.kill(pid, signal.SIGCONT)
            wt.wait_for(lambda: d.ctl("status").returncode == 0, 10,
                        "healthy again")
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_unreachable(self):
        tmp = tempfile.mkdtemp(prefix="wsfan-ctl-")
        try:
            path = os.path.join(tmp, "none.sock")
            for cmd in ("status", "stats", "reload", "config"):
                r = subprocess.run([wt.WSFANCTL_BIN, "-s", path, cmd],
                                   capture_output=True, text=True, timeout=10)
                self.assertEqual(r.returncode, 2, cmd)
                self.assertIn("wsfan is not running? no control socket at "
                              + path, r.stderr)
            # A socket file nobody answers on (a dead master's).
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.close()
            r = subprocess.run([wt.WSFANCTL_BIN, "-s", path, "status"],
                               capture_output=True, text=True, timeout=10)
            self.assertEqual(r.returncode, 2)
            self.assertIn("nothing answers on " + path, r.stderr)
        finally:
            shutil.rmtree(tmp)

    def test_stale_socket_replaced_live_one_refused(self):
        d = wt.Wsfan(workers=1).start()
        other = None
        try:
            # A second daemon on the same control socket must not start.
            other = wt.Wsfan(workers=1, redis=d.redis,
                             extra="control-socket %s\n" % d.ctl_sock)
            other.start(wait=False)
            self.assertEqual(other.proc.wait(10), 1)
            self.assertIn("control-socket %s answers: another wsfan is "
                          "running" % d.ctl_sock, other.log())
            self.assertTrue(os.path.exists(d.ctl_sock))
            self.assertEqual(d.ctl("status").returncode, 0)
            # A master killed -9 leaves its socket; the next one replaces it.
            d.kill()
            self.assertTrue(os.path.exists(d.ctl_sock))
            d.start()
            wt.wait_for(lambda: d.ctl("status").returncode == 0, 10,
                        "the restarted daemon")
            self.assertIn("removing the stale control socket", d.log())
            self.assertEqual(d.stop(), 0)
        finally:
            if other is not None:
                other.kill()
                shutil.rmtree(other.dir, ignore_errors=True)
            d.cleanup()


def as_nobody(argv, gid=NOBODY):
    """Run argv as uid nobody in a forked child; CompletedProcess (text)."""
    def drop():
        os.setgroups([])
        os.setgid(gid)
        os.setuid(NOBODY)
    return subprocess.run(argv, capture_output=True, text=True, timeout=20,
                          preexec_fn=drop)


@unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
@unittest.skipUnless(os.geteuid() == 0, "needs root to run a client as "
                     "another uid")
class Permissions(unittest.TestCase):
    def daemon(self, extra):
        d = wt.Wsfan(workers=1, extra=extra).start()
        self.addCleanup(d.cleanup)
        os.chmod(d.dir, 0o755)  # nobody may reach the socket's directory
        # nobody runs its own copy of wsfanctl from a directory it can read.
        self.ctl = os.path.join(d.dir, "wsfanctl")
        shutil.copy(wt.WSFANCTL_BIN, self.ctl)
        os.chmod(self.ctl, 0o755)
        return d

    def test_other_uid_refused_by_credentials(self):
        # Mode 0666: the file system lets nobody in; SO_PEERCRED does not.
        d = self.daemon("control-socket-mode 0666\n")
        self.assertEqual(stat.S_IMODE(os.stat(d.ctl_sock).st_mode), 0o666)
        r = as_nobody([self.ctl, "-s", d.ctl_sock, "status"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("wsfan refused us: permission denied: uid %d may not "
                      "use the control socket" % NOBODY, r.stderr)
        r = as_nobody([self.ctl, "-s", d.ctl_sock, "--json", "stop"])
        self.assertEqual(r.returncode, 2)
        a = js(r)
        self.assertEqual((a["ok"], a["code"]), (False, "forbidden"))
        self.assertIn("refused uid %d" % NOBODY, d.log())
        self.assertIsNone(d.proc.poll())  # "stop" was not obeyed
        self.assertEqual(d.ctl("status").returncode, 0)  # root still may
        self.assertEqual(d.stop(), 0)

    def test_other_uid_refused_by_mode(self):
        d = self.daemon("")
        self.assertEqual(stat.S_IMODE(os.stat(d.ctl_sock).st_mode), 0o660)
        r = as_nobody([self.ctl, "-s", d.ctl_sock, "status"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("permission denied on %s" % d.ctl_sock, r.stderr)
        self.assertEqual(d.stop(), 0)

    def test_group_member_allowed(self):
        group = grp.getgrgid(NOBODY).gr_name
        d = self.daemon("control-socket-group %s\ncontrol-socket-mode 0640\n"
                        % group)
        st = os.stat(d.ctl_sock)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_gid),
                         (0o640, NOBODY))
        # Group read is not enough to connect (connect needs write).
        r = as_nobody([self.ctl, "-s", d.ctl_sock, "status"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("permission denied on", r.stderr)
        with open(d.conf, "a") as f:
            f.write("control-socket-mode 0660\n")
        r = d.ctl("reload")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(d.ctl_sock).st_mode), 0o660)
        r = as_nobody([self.ctl, "-s", d.ctl_sock, "status"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertTrue(r.stdout.startswith("healthy"))
        self.assertEqual(d.stop(), 0)

    def test_unknown_group_is_a_config_error(self):
        d = wt.Wsfan(workers=1, extra="control-socket-group no-such-grp\n")
        self.addCleanup(d.cleanup)
        with open(d.conf) as f:
            line = f.read().count("\n")
        r = wt.run_wsfan(["-t", "-c", d.conf])
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s:%d: control-socket-group: unknown group '
                      '"no-such-grp"' % (d.conf, line), r.stderr)


if __name__ == "__main__":
    wt.main()
