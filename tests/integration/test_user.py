"""Privilege drop: with `user`, the workers (and a spawned redis-server)
run as that user while the master stays root; log files stay reopenable
by them; unknown users and groups are configuration errors."""
import os
import pwd
import signal
import unittest

import wsfantest as wt


def uid_of(pid):
    with open("/proc/%d/status" % pid) as f:
        for ln in f:
            if ln.startswith("Uid:"):
                return int(ln.split()[1])
    raise AssertionError("no Uid in /proc/%d/status" % pid)


@unittest.skipIf(os.geteuid() != 0, "needs root to switch users")
class User(unittest.TestCase):
    def setUp(self):
        self.nobody = pwd.getpwnam("nobody").pw_uid

    def test_workers_run_as_user(self):
        d = wt.Wsfan(workers=2)
        os.chmod(d.dir, 0o711)  # the user must reach the log file's dir
        log = os.path.join(d.dir, "file.log")
        with open(d.conf, "a") as f:
            f.write("user nobody\nlog-file %s\n" % log)
        d.start()
        try:
            self.assertEqual(uid_of(d.pid), 0)
            for pid in d.worker_pids():
                self.assertEqual(uid_of(pid), self.nobody)
            self.assertEqual(wt.get(d.port)[0], 200)
            # Rotation: the new file is the user's, so workers can open it.
            os.rename(log, log + ".1")
            d.signal(signal.SIGUSR1)
            wt.wait_for(lambda: os.path.exists(log), 3, "a new log file")
            self.assertEqual(os.stat(log).st_uid, self.nobody)
            for _ in range(10):
                c = wt.RawWs(d.port, path="/ws",
                             headers=("Origin: http://evil.example",))
                c.close()
            wt.wait_for(lambda: "handshake refused" in open(log).read(), 3,
                        "worker lines in the new file")
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_spawned_redis_runs_as_user(self):
        d = wt.Wsfan(workers=1, redis="spawn", extra="user nobody\n")
        os.chmod(d.dir, 0o711)  # the user must reach the run dir inside
        d.start()
        try:
            rp = d.redis_pid()
            self.assertIsNotNone(rp)
            self.assertEqual(uid_of(rp), self.nobody)
            self.assertEqual(uid_of(d.worker_pids()[0]), self.nobody)
            st, _, body = wt.get(d.port)
            self.assertEqual(st, 200, body)
            self.assertIn(b'"redis":"up"', body)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    def test_unknown_user_and_group(self):
        r = wt.run_wsfan(["-t", "--set", "user=no-such-user-wsfan"])
        self.assertEqual(r.returncode, 1)
        self.assertIn('user "no-such-user-wsfan": no such user', r.stderr)
        r = wt.run_wsfan(["-t", "--set", "user=nobody", "--set",
                          "group=no-such-group-wsfan"])
        self.assertEqual(r.returncode, 1)
        self.assertIn('group "no-such-group-wsfan": no such group', r.stderr)
        r = wt.run_wsfan(["-t", "--set", "group=nogroup"])
        self.assertEqual(r.returncode, 1)
        self.assertIn('"group" needs "user"', r.stderr)


if __name__ == "__main__":
    wt.main()
