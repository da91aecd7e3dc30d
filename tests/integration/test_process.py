"""The process model: N workers, one SO_REUSEPORT socket each, load spread
over workers, a killed worker replaced while the port keeps answering,
backoff for a crash loop, SIGHUP restart, SIGTERM shutdown, and workers
that do not outlive their master."""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

import wsfantest as wt


class Prober(threading.Thread):
    """Hits /healthz on new connections until stopped; records failures."""

    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.ok = 0
        self.failures = []
        self.halt = threading.Event()

    def run(self):
        deadline = time.monotonic() + 30  # bounded whatever happens
        while not self.halt.is_set() and time.monotonic() < deadline:
            try:
                st, _, _ = wt.get(self.port, timeout=3)
                if st == 200:
                    self.ok += 1
                else:
                    self.failures.append("status %s" % st)
            except OSError as e:
                self.failures.append(repr(e))
            time.sleep(0.005)

    def finish(self):
        self.halt.set()
        self.join(10)


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Processes(unittest.TestCase):
    def setUp(self):
        self.d = wt.Wsfan(workers=3).start()

    def tearDown(self):
        self.d.cleanup()

    def test_workers_exist(self):
        pids = self.d.worker_pids()
        self.assertEqual(len(pids), 3)
        for p in pids:
            with open("/proc/%d/comm" % p) as f:
                self.assertEqual(f.read().strip(), "wsfan-worker")
        self.assertEqual(self.d.stop(), 0)

    def test_one_listening_socket_per_worker(self):
        out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % self.d.port],
                             capture_output=True, text=True, check=True).stdout
        lines = [ln for ln in out.splitlines() if "LISTEN" in ln]
        self.assertEqual(len(lines), 3, out)
        workers = set(self.d.worker_pids())
        owners = []
        for ln in lines:
            pids = {int(p) for p in re.findall(r"pid=(\d+)", ln)}
            # The master keeps every socket; exactly one worker accepts on
            # each.
            self.assertIn(self.d.pid, pids, ln)
            mine = pids & workers
            self.assertEqual(len(mine), 1, ln)
            owners.append(mine.pop())
        self.assertEqual(sorted(owners), sorted(workers))

    def test_load_spread_over_workers(self):
        seen = {}
        for _ in range(300):
            st, _, body = wt.get(self.d.port)
            self.assertEqual(st, 200)
            pid = json.loads(body)["pid"]
            seen[pid] = seen.get(pid, 0) + 1
        self.assertGreater(len(seen), 1, seen)
        self.assertTrue(set(seen) <= set(self.d.worker_pids()))

    def test_killed_worker_replaced_port_keeps_answering(self):
        prober = Prober(self.d.port)
        prober.start()
        time.sleep(0.3)
        victim = self.d.worker_pids()[0]
        t0 = time.monotonic()
        os.kill(victim, signal.SIGKILL)
        wt.wait_for(lambda: victim not in self.d.worker_pids() and
                    len(self.d.worker_pids()) == 3, 2.0,
                    "a replacement worker")
        replaced_in = time.monotonic() - t0
        time.sleep(1.0)
        prober.finish()
        self.assertEqual(prober.failures, [])
        self.assertGreater(prober.ok, 20)
        self.assertLess(replaced_in, 2.0)
        self.assertRegex(self.d.log(), r"worker \d \(pid %d\) killed by "
                         r"signal 9 \(Killed\); restarting in 0 ms" % victim)
        self.assertEqual(self.d.stop(), 0)

    def test_crash_loop_backs_off(self):
        delays = []
        for _ in range(4):
            pids = self.d.worker_pids()
            slot_pid = pids[0]
            os.kill(slot_pid, signal.SIGKILL)
            wt.wait_for(lambda: slot_pid not in self.d.worker_pids() and
                        len(self.d.worker_pids()) == 3, 5,
                        "a replacement worker")
        delays = [int(m) for m in re.findall(r"restarting in (\d+) ms",
                                             self.d.log())]
        # Different slots may be hit, but some slot must have died twice
        # in quick succession and been delayed.
        self.assertEqual(len(delays), 4)
        self.assertEqual(delays[0], 0)

    def test_backoff_grows_for_one_slot(self):
        # Kill whichever worker holds slot 0, five times in a row.
        delays = []
        for i in range(5):
            st, _, _ = wt.get(self.d.port)
            pid = self._slot_pid(0)
            os.kill(pid, signal.SIGKILL)
            wt.wait_for(lambda: self._slot_pid(0) not in (None, pid), 5,
                        "slot 0 to come back")
        delays = [int(m) for m in re.findall(
            r"worker 0 \(pid \d+\) killed by signal 9 \(Killed\); "
            r"restarting in (\d+) ms", self.d.log())]
        self.assertEqual(delays, [0, 100, 200, 400, 800])

    def _slot_pid(self, slot):
        for ln in reversed(self.d.log().splitlines()):
            m = re.search(r"started worker %d \(pid (\d+)\)" % slot, ln)
            if m:
                pid = int(m.group(1))
                return pid if pid in self.d.worker_pids() else None
        return None

    def test_sigterm_stops_everything(self):
        # An idle keep-alive client must not hold the shutdown up.
        idle = socket.create_connection(("127.0.0.1", self.d.port))
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertEqual(wt.read_response(idle)[0], 200)
        pids = [self.d.pid] + self.d.worker_pids()
        t0 = time.monotonic()
        self.d.signal(signal.SIGTERM)
        wt.wait_for(lambda: not any(wt.pid_alive(p) for p in pids), 5,
                    "every wsfan process to exit")
        self.assertLess(time.monotonic() - t0, 5)
        self.assertEqual(self.d.proc.wait(5), 0)
        self.assertEqual(idle.recv(100), b"")  # closed by the server
        idle.close()
        self.assertFalse(os.path.exists(self.d.pidfile))

    def test_sighup_restarts_workers_without_refusing(self):
        prober = Prober(self.d.port)
        prober.start()
        old = set(self.d.worker_pids())
        self.d.signal(signal.SIGHUP)
        wt.wait_for(lambda: len(set(self.d.worker_pids()) & old) == 0 and
                    len(self.d.worker_pids()) == 3, 5, "a new generation")
        time.sleep(0.5)
        prober.finish()
        self.assertEqual(prober.failures, [])
        st, _, body = wt.get(self.d.port)
        self.assertEqual(json.loads(body)["generation"], 2)
        self.assertIn("generation 2 serving", self.d.log())
        self.assertEqual(self.d.stop(), 0)

    def test_sighup_with_bad_config_keeps_serving(self):
        old = set(self.d.worker_pids())
        with open(self.d.conf, "a") as f:
            f.write("workers lots\n")
        with open(self.d.conf) as f:
            line = f.read().count("\n")  # the last one
        self.d.signal(signal.SIGHUP)
        wt.wait_for(lambda: "reload refused" in self.d.log(), 3,
                    "the reload to be refused")
        self.assertIn('%s:%d: invalid value "lots"' % (self.d.conf, line),
                      self.d.log())
        self.assertEqual(set(self.d.worker_pids()), old)
        self.assertEqual(wt.get(self.d.port)[0], 200)

    def test_workers_exit_when_master_dies(self):
        kids = self.d.worker_pids()
        self.d.proc.kill()
        self.d.proc.wait()
        wt.wait_for(lambda: not any(wt.pid_alive(p) for p in kids), 3,
                    "orphaned workers to exit")

    def test_pidfile(self):
        with open(self.d.pidfile) as f:
            self.assertEqual(int(f.read()), self.d.pid)


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class IPv6(unittest.TestCase):
    def test_ipv6_and_ipv4_listeners(self):
        port6 = wt.free_port("::1")
        d = wt.Wsfan(workers=2, extra="listen [::1]:%d\n" % port6).start()
        try:
            self.assertEqual(wt.get(d.port)[0], 200)
            self.assertEqual(wt.get(port6, host="::1")[0], 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
