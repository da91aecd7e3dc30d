"""redis-spawn: the master starts, supervises and stops its own
redis-server on a Unix socket in its run dir (master/rspawn.c).
The harness starts no Redis here: Wsfan(redis="spawn") writes
`redis-spawn yes` and `run-dir <tmp>/run` into the config."""
import json
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
import unittest

import wsfantest as wt


def stat_of(pid):
    """(ppid, pgid) of pid from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read()
    rest = st[st.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[2])


def socket_inodes(pid):
    """The socket inodes pid holds open."""
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:"):
            out.add(link)
    return out


def healthz(d):
    try:
        st, _, body = wt.get(d.port, timeout=1)
    except OSError:
        return None
    return st, json.loads(body) if body else None


def ws_text(ws, obj):
    ws.send(1, json.dumps(obj).encode())


def ws_json(ws):
    op, payload = ws.recv_message()
    assert op == 1, (op, payload)
    return json.loads(payload)


class Spawned(wt.DaemonCase):
    """One daemon with a spawned redis-server, left running."""

    DAEMON = dict(workers=2, redis="spawn")

    def test_healthz_redis_up(self):
        st, body = wt.wait_for(lambda: healthz(self.d), 5, "/healthz")
        self.assertEqual(st, 200)
        self.assertEqual(body["redis"], "up")

    def test_redis_is_a_child_in_its_own_group(self):
        pid = wt.wait_for(self.d.redis_pid, 5, "redis-server child")
        ppid, pgid = stat_of(pid)
        self.assertEqual(ppid, self.d.pid)
        self.assertEqual(pgid, pid)  # Ctrl-C on a terminal misses it
        self.assertNotEqual(pgid, stat_of(self.d.pid)[1])
        out = subprocess.run(["ps", "-o", "ppid=,comm=", "-p", str(pid)],
                             capture_output=True, text=True).stdout.split()
        self.assertEqual(out, [str(self.d.pid), "redis-server"])
        self.assertEqual(len(self.d.worker_pids()), 2)
        self.assertIn("started redis-server (pid %d) on unix:%s"
                      % (pid, self.d.redis_sock), self.d.log())

    def test_run_dir_and_socket(self):
        st = os.lstat(self.d.run_dir)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)
        st = os.stat(self.d.redis_sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o700)

    def test_redis_holds_nothing_of_ours(self):
        pid = wt.wait_for(self.d.redis_pid, 5, "redis-server child")
        self.assertEqual(os.readlink("/proc/%d/fd/0" % pid), "/dev/null")
        mine = socket_inodes(self.d.pid)  # listeners, worker socketpairs
        self.assertTrue(mine)
        self.assertEqual(mine & socket_inodes(pid), set())
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            argv = f.read()
        # redis rewrites its title; its TCP port must be off either way
        self.assertNotIn(b"6379", argv)

    def test_pub_sub_between_two_clients(self):
        a = wt.RawWs(self.d.port, path="/ws")
        b = wt.RawWs(self.d.port, path="/ws")
        try:
            self.assertEqual(a.status, 101)
            self.assertEqual(b.status, 101)
            self.assertEqual(ws_json(a)["op"], "welcome")
            self.assertEqual(ws_json(b)["op"], "welcome")
            ws_text(a, {"op": "sub", "ch": "t", "id": 1})
            self.assertEqual(ws_json(a), {"id": 1, "ok": True})
            ws_text(b, {"op": "pub", "ch": "t", "data": {"x": 1}, "id": 2})
            self.assertEqual(ws_json(b), {"id": 2, "ok": True})
            self.assertEqual(ws_json(a), {"ch": "t", "data": {"x": 1}})
        finally:
            a.close()
            b.close()

    def test_reload_keeps_redis(self):
        pid = wt.wait_for(self.d.redis_pid, 5, "redis-server child")
        old_workers = set(self.d.worker_pids())
        with open(self.d.conf) as f:
            text = f.read()
        # Turning redis-spawn off needs a restart: the running one stays.
        self.d.write_conf(text.replace("redis-spawn yes", "redis-spawn no"))
        try:
            self.d.signal(signal.SIGHUP)
            wt.wait_for(lambda: "needs a restart" in self.d.log(), 5,
                        "the reload warning")
            wt.wait_for(lambda: len(set(self.d.worker_pids()) &
                                    old_workers) == 0 and
                        len(self.d.worker_pids()) == 2, 10,
                        "the new generation")
        finally:
            self.d.write_conf(text)
        self.assertEqual(self.d.redis_pid(), pid)
        st, body = wt.wait_for(
            lambda: (lambda h: h if h and h[0] == 200 else None)(
                healthz(self.d)), 5, "/healthz 200 after the reload")
        self.assertEqual(body["redis"], "up")
        self.assertGreaterEqual(body["generation"], 2)


class Lifecycle(unittest.TestCase):
    """Each test kills or stops its own daemon."""

    def setUp(self):
        self.d = wt.Wsfan(workers=2, redis="spawn").start()

    def tearDown(self):
        self.d.cleanup()

    def test_kill9_redis_is_restarted(self):
        old = wt.wait_for(self.d.redis_pid, 5, "redis-server child")
        t0 = time.monotonic()
        os.kill(old, signal.SIGKILL)
        new = wt.wait_for(lambda: (lambda p: p if p and p != old else None)(
            self.d.redis_pid()), 2, "a new redis-server")
        wt.wait_for(lambda: (lambda h: h and h[0] == 200 and
                             h[1]["redis"] == "up")(healthz(self.d)),
                    2 - (time.monotonic() - t0), "/healthz 200 again")
        log = self.d.log()
        self.assertRegex(log, r"redis-server \(pid %d\) killed by signal 9"
                              r"[^\n]*; restarting it in 0 ms" % old)
        self.assertIn("started redis-server (pid %d)" % new, log)
        self.assertEqual(stat_of(new)[0], self.d.pid)
        self.assertEqual(self.d.stop(), 0)

    def test_sigterm_stops_workers_then_redis(self):
        rpid = wt.wait_for(self.d.redis_pid, 5, "redis-server child")
        pids = [self.d.pid, rpid] + self.d.worker_pids()
        self.assertEqual(len(pids), 4)
        t0 = time.monotonic()
        self.d.signal(signal.SIGTERM)
        wt.wait_for(lambda: not any(wt.pid_alive(p) for p in pids), 5,
                    "master, workers and redis-server to exit")
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(self.d.proc.wait(1), 0)
        self.assertFalse(os.path.exists(self.d.redis_sock))
        log = self.d.log()
        stop = log.index("stopping redis-server (pid %d)" % rpid)
        for w in pids[2:]:
            self.assertLess(log.index("(pid %d) generation 1 exited" % w),
                            stop)
        self.assertLess(stop, log.index("redis-server (pid %d) exited "
                                        "with status 0" % rpid))
        self.assertEqual(self.d.stop(), 0)


STUBBORN = r'''#!/usr/bin/python3
# A fake redis-server that listens where it is told and ignores SIGTERM.
import signal, socket, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[sys.argv.index("--unixsocket") + 1])
s.listen(16)
while True:
    time.sleep(60)
'''


class Stubborn(unittest.TestCase):
    """A redis-server that ignores SIGTERM is killed 5 s later."""

    def test_sigkill_after_5s(self):
        d = wt.Wsfan(workers=1, redis="spawn")
        fake = os.path.join(d.dir, "bin")
        os.mkdir(fake)
        with open(os.path.join(fake, "redis-server"), "w") as f:
            f.write(STUBBORN)
        os.chmod(os.path.join(fake, "redis-server"), 0o755)
        path = os.environ["PATH"]
        os.environ["PATH"] = fake + ":" + path
        try:
            d.start(wait=False)
        finally:
            os.environ["PATH"] = path
        try:
            wt.wait_for(lambda: "started worker" in d.log(), 10, "a worker")
            rpid = d.redis_pid()
            self.assertIsNotNone(rpid)
            t0 = time.monotonic()
            d.signal(signal.SIGTERM)
            self.assertEqual(d.proc.wait(10), 0)
            took = time.monotonic() - t0
            self.assertGreater(took, 4.5)
            self.assertLess(took, 7)
            self.assertFalse(wt.pid_alive(rpid))
            self.assertIn("still running 5 s after SIGTERM; killing it",
                          d.log())
            self.assertIn("killed by signal 9", d.log())
            self.assertFalse(os.path.exists(d.redis_sock))
        finally:
            d.cleanup()


class Refused(unittest.TestCase):
    """Configurations and environments that must not start."""

    def setUp(self):
        self.d = wt.Wsfan(workers=1, redis="spawn")

    def tearDown(self):
        self.d.kill()
        shutil.rmtree(self.d.dir, ignore_errors=True)

    def start_fails(self, *texts):
        """Start for real: exit 1 quickly, the texts in the log, and nothing
        left behind (no pidfile, no redis-server, no socket)."""
        self.d.start(wait=False)
        self.assertEqual(self.d.proc.wait(10), 1)
        self.d.kill()
        log = self.d.log()
        for t in texts:
            self.assertIn(t, log)
        self.assertNotIn("started worker", log)
        self.assertFalse(os.path.exists(self.d.pidfile))
        self.assertFalse(os.path.exists(self.d.redis_sock))
        return log

    def test_t_spawn_and_url_are_exclusive(self):
        with open(self.d.conf, "a") as f:
            f.write("redis-url redis://127.0.0.1:6379\n")
        r = wt.run_wsfan(["-t", "-c", self.d.conf])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("redis-spawn and redis-url are exclusive", r.stderr)
        self.assertFalse(os.path.exists(self.d.run_dir))  # -t made nothing
        r = wt.run_wsfan(["-t", "-c", self.d.conf, "--set",
                          "redis-spawn=no"])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_t_ok_creates_nothing(self):
        r = wt.run_wsfan(["-t", "-c", self.d.conf])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(self.d.run_dir))

    def test_world_writable_run_dir(self):
        os.mkdir(self.d.run_dir)
        os.chmod(self.d.run_dir, 0o777)
        r = wt.run_wsfan(["-t", "-c", self.d.conf])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("run-dir %s is group- or world-writable" %
                      self.d.run_dir, r.stderr)
        self.start_fails("group- or world-writable (mode 0777): refusing")

    @unittest.skipUnless(os.geteuid() == 0, "needs root to chown")
    def test_run_dir_of_another_user(self):
        os.mkdir(self.d.run_dir, 0o700)
        os.chown(self.d.run_dir, 65534, 65534)
        self.start_fails("is owned by uid 65534, not by us")

    def test_relative_run_dir(self):
        r = wt.run_wsfan(["-t", "-c", self.d.conf, "--set",
                          "run-dir=relative/dir"])
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("must be an absolute path", r.stderr)

    def run_with_fake(self, script):
        """Run wsfan with a fake redis-server first on PATH."""
        fake = os.path.join(self.d.dir, "bin")
        os.mkdir(fake)
        with open(os.path.join(fake, "redis-server"), "w") as f:
            f.write(script)
        os.chmod(os.path.join(fake, "redis-server"), 0o755)
        return subprocess.run(
            [wt.WSFAN_BIN, "-c", self.d.conf], capture_output=True,
            text=True, timeout=10, stdin=subprocess.DEVNULL,
            env=dict(os.environ, PATH=fake + ":" + os.environ["PATH"]))

    def test_exec_failure(self):
        r = self.run_with_fake("not a program\n")  # no #!: ENOEXEC
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertRegex(r.stderr, r"cannot run \S+/bin/redis-server: Exec "
                                   r"format error \(install it")
        self.assertNotIn("started worker", r.stderr)
        self.assertFalse(os.path.exists(self.d.pidfile))

    def test_redis_dies_at_startup(self):
        r = self.run_with_fake("#!/bin/sh\necho fake redis failing >&2\n"
                               "exit 3\n")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("fake redis failing", r.stderr)
        self.assertIn("exited with status 3 before it accepted connections",
                      r.stderr)
        self.assertNotIn("started worker", r.stderr)
        self.assertFalse(os.path.exists(self.d.pidfile))

    @unittest.skipUnless(os.geteuid() == 0 and shutil.which("unshare"),
                         "hiding redis-server needs root and unshare(1)")
    def test_missing_redis_server(self):
        """redis-server hidden by empty directories mounted over /usr/bin
        and /usr/sbin in a private mount namespace: exit 1, the package
        named, nothing half-started."""
        empty = tempfile.mkdtemp(prefix="wsfan-empty-")
        try:
            for args in (["-t"], []):
                r = subprocess.run(
                    ["unshare", "-m", "sh", "-c",
                     'mount --bind "$1" /usr/sbin && '
                     'mount --bind "$1" /usr/bin && shift && exec "$@"',
                     "sh", empty, wt.WSFAN_BIN, "-c", self.d.conf] + args,
                    capture_output=True, text=True, timeout=10,
                    stdin=subprocess.DEVNULL, env=dict(os.environ,
                                                       PATH="/usr/bin"))
                self.assertEqual(r.returncode, 1, r.stderr)
                self.assertIn("redis-server not found", r.stderr)
                self.assertIn("Debian/Ubuntu package redis-server", r.stderr)
                self.assertIn("Fedora/RHEL package redis", r.stderr)
                self.assertNotIn("started worker", r.stderr)
                self.assertNotIn("listening on", r.stderr)
                self.assertFalse(os.path.exists(self.d.pidfile))
        finally:
            os.rmdir(empty)


if __name__ == "__main__":
    wt.main()
