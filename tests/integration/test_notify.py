"""systemd notifications observed on a test NOTIFY_SOCKET, in order, across
start, reload and stop, plus WATCHDOG=1 when WATCHDOG_USEC is set."""
import os
import signal
import socket
import threading
import time
import unittest

import wsfantest as wt


class NotifySocket(threading.Thread):
    def __init__(self, path):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.2)
        self.msgs = []
        self.halt = threading.Event()

    def run(self):
        end = time.monotonic() + 60
        while not self.halt.is_set() and time.monotonic() < end:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            self.msgs.append((time.monotonic(), data.decode()))

    def states(self):
        """The first line of each message, watchdog pings left out."""
        return [m.split("\n")[0] for _, m in self.msgs
                if not m.startswith("WATCHDOG=1")]

    def stop(self):
        self.halt.set()
        self.join(5)
        self.sock.close()


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Notify(unittest.TestCase):
    def test_sequence(self):
        d = wt.Wsfan(workers=2)
        path = os.path.join(d.dir, "notify.sock")
        ns = NotifySocket(path)
        ns.start()
        try:
            d.start(env={"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "400000"})
            wt.wait_for(lambda: "READY=1" in ns.states(), 5, "READY=1")
            ready = [m for _, m in ns.msgs if m.startswith("READY=1")][0]
            self.assertIn("MAINPID=%d" % d.pid, ready)
            d.signal(signal.SIGHUP)
            wt.wait_for(lambda: ns.states().count("READY=1") >= 2, 5,
                        "READY=1 after the reload")
            reloading = [m for _, m in ns.msgs if m.startswith("RELOADING=1")]
            self.assertEqual(len(reloading), 1)
            self.assertIn("MONOTONIC_USEC=", reloading[0])
            time.sleep(1.0)
            self.assertEqual(d.stop(), 0)
            wt.wait_for(lambda: "STOPPING=1" in ns.states(), 2, "STOPPING=1")
            self.assertEqual(ns.states(), ["READY=1", "RELOADING=1",
                                           "READY=1", "STOPPING=1"])
            dogs = [t for t, m in ns.msgs if m.startswith("WATCHDOG=1")]
            self.assertGreaterEqual(len(dogs), 3)
            gaps = [b - a for a, b in zip(dogs, dogs[1:])]
            self.assertLess(max(gaps), 0.4)  # every half WATCHDOG_USEC
        finally:
            ns.stop()
            d.cleanup()


if __name__ == "__main__":
    wt.main()
