"""Log files: log-file receives the lines (with the syslog priority
prefix), and SIGUSR1 makes the master and every worker reopen it after a
rotation (rename), as logrotate does."""
import os
import signal
import time
import unittest

import wsfantest as wt


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class LogFile(unittest.TestCase):
    def test_usr1_reopens(self):
        d = wt.Wsfan(workers=2)
        path = os.path.join(d.dir, "file.log")
        with open(d.conf, "a") as f:
            f.write("log-file %s\n" % path)
        d.start()
        try:
            with open(path) as f:
                first = f.read()
            self.assertRegex(first, r"<5>wsfan\[\d+\] master notice: "
                                    r"listening on 127\.0\.0\.1:%d" % d.port)
            os.rename(path, path + ".1")
            d.signal(signal.SIGUSR1)
            wt.wait_for(lambda: os.path.exists(path), 3, "a new log file")
            time.sleep(0.3)  # the workers reopen too
            # Lines from both workers land in the new file: refused
            # handshakes are logged at info by whichever worker takes them.
            for _ in range(20):
                c = wt.RawWs(d.port, path="/ws",
                             headers=("Origin: http://evil.example",))
                self.assertEqual(c.status, 403)
                c.close()
            wt.wait_for(lambda: "handshake refused" in open(path).read(), 3,
                        "worker lines in the new file")
            with open(path) as f:
                new = f.read()
            pids = {int(p) for p in __import__("re").findall(
                r"wsfan\[(\d+)\] worker \d/g1 info: WebSocket handshake "
                r"refused", new)}
            self.assertEqual(pids, set(d.worker_pids()))
            with open(path + ".1") as f:
                self.assertNotIn("handshake refused", f.read())
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
