"""The command line: -t with good and bad configs, --version, --help, bad
arguments, and -t next to a running daemon on the same port."""
import os
import re
import tempfile
import unittest

import wsfantest as wt


def write(tmp, name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p


class CommandLine(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="wsfan-test-")

    def test_t_good_config(self):
        p = write(self.tmp, "ok.conf", "listen 127.0.0.1:1\nworkers 3\n")
        r = wt.run_wsfan(["-t", "-c", p])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("configuration %s is ok (3 workers" % p, r.stdout)

    def test_t_builtin_defaults(self):
        r = wt.run_wsfan(["-t"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(built-in defaults) is ok", r.stdout)

    def test_t_bad_config_names_file_and_line(self):
        p = write(self.tmp, "bad.conf",
                  "# comment\nworkers 2\nlisten 127.0.0.1:99999\n")
        r = wt.run_wsfan(["-t", "-c", p])
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s:3: invalid address "127.0.0.1:99999"' % p, r.stderr)
        self.assertIn("configuration test failed", r.stderr)

    def test_t_unknown_directive(self):
        p = write(self.tmp, "bad.conf", "\n\nworkres 2\n")
        r = wt.run_wsfan(["-t", "-c", p])
        self.assertEqual(r.returncode, 1)
        self.assertIn('%s:3: unknown directive "workres"' % p, r.stderr)

    def test_t_missing_file(self):
        r = wt.run_wsfan(["-t", "-c", os.path.join(self.tmp, "none.conf")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open: No such file or directory", r.stderr)

    def test_set_overrides_and_errors(self):
        p = write(self.tmp, "ok.conf", "workers 2\n")
        r = wt.run_wsfan(["-t", "-c", p, "--set", "workers=5"])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(5 workers", r.stdout)
        r = wt.run_wsfan(["-t", "-c", p, "--set", "workers=many"])
        self.assertEqual(r.returncode, 1)
        self.assertIn('--set: invalid value "many" for "workers"', r.stderr)

    def test_version_help_usage(self):
        r = wt.run_wsfan(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^wsfan \d+\.\d+\.\d+")
        r = wt.run_wsfan(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: wsfan", r.stdout)
        for opt in ("--config", "--set", "--test", "--version"):
            self.assertIn(opt, r.stdout)
        r = wt.run_wsfan(["--bogus"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage:", r.stderr)
        r = wt.run_wsfan(["extra-arg"])
        self.assertEqual(r.returncode, 2)

    def test_bind_failure_is_reported(self):
        # Something else holds the port without SO_REUSEPORT: wsfan must
        # fail to start with a clear message and exit 1.
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        try:
            r = wt.run_wsfan(["--set", "listen=127.0.0.1:%d" % port,
                              "--set", "workers=1"])
            self.assertEqual(r.returncode, 1)
            self.assertIn("listen 127.0.0.1:%d: Address already in use"
                          % port, r.stderr)
        finally:
            s.close()

    @unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
    def test_second_instance_on_same_port_refused(self):
        # SO_REUSEPORT would let a second wsfan join the first one's port
        # and silently take part of its traffic: it must refuse instead.
        d = wt.Wsfan(workers=2).start()
        try:
            r = wt.run_wsfan(["--set", "listen=127.0.0.1:%d" % d.port,
                              "--set", "workers=1", "--set",
                              "redis-url=" + d.redis.url, "--set",
                              "control-socket=%s/other.sock" % d.dir])
            self.assertEqual(r.returncode, 1)
            self.assertIn("listen 127.0.0.1:%d: Address already in use "
                          "(another process listens there)" % d.port,
                          r.stderr)
            self.assertEqual(wt.get(d.port)[0], 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()

    @unittest.skipIf(wt.EXTERNAL, "needs its own daemon")
    def test_t_beside_running_daemon_binds_nothing(self):
        d = wt.Wsfan(workers=2).start()
        try:
            before = sorted(d.worker_pids())
            r = wt.run_wsfan(["-t", "-c", d.conf])
            self.assertEqual(r.returncode, 0, r.stderr)
            # Still serving, same workers, nothing restarted.
            self.assertEqual(wt.get(d.port)[0], 200)
            self.assertEqual(sorted(d.worker_pids()), before)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
