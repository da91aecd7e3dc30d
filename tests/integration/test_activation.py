"""Socket activation: a listening socket passed the systemd way
(LISTEN_FDS, LISTEN_PID) is used for its address and shared by every
worker; it survives a reload; unmatched passed sockets are closed."""
import os
import signal
import socket
import subprocess
import unittest

import wsfantest as wt


@unittest.skipIf(wt.EXTERNAL, "controls its own daemon")
class Activation(unittest.TestCase):
    def test_passed_socket_is_used(self):
        lsock = socket.socket()
        lsock.bind(("127.0.0.1", 0))
        lsock.listen(128)
        port = lsock.getsockname()[1]
        d = wt.Wsfan(workers=2, port=port)
        fd = lsock.fileno()

        def as_fd3():
            os.dup2(fd, 3)
            os.set_inheritable(3, True)

        d.logf = open(d.logpath, "ab")
        d.proc = subprocess.Popen(
            ["/bin/sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" -c "$1"',
             wt.WSFAN_BIN, d.conf],
            stdin=subprocess.DEVNULL, stdout=d.logf, stderr=d.logf,
            preexec_fn=as_fd3, pass_fds=(fd,))
        d.pid = d.proc.pid
        wt._live.append(d)
        lsock.close()  # only wsfan holds it now
        try:
            wt.wait_for(lambda: len(d.worker_pids()) == 2 and
                        wt.get(port)[0] == 200, 10, "wsfan to serve")
            self.assertIn("socket activation: 1 socket passed", d.log())
            out = subprocess.run(["ss", "-Hltnp", "sport = :%d" % port],
                                 capture_output=True, text=True).stdout
            lines = [ln for ln in out.splitlines() if "LISTEN" in ln]
            self.assertEqual(len(lines), 1, out)  # one shared socket
            for pid in d.worker_pids():
                self.assertIn("pid=%d," % pid, lines[0])
            for _ in range(100):
                self.assertEqual(wt.get(port)[0], 200)
            d.signal(signal.SIGHUP)
            wt.wait_for(lambda: "generation 2 serving" in d.log(), 10,
                        "the reload")
            self.assertEqual(wt.get(port)[0], 200)
            self.assertEqual(d.stop(), 0)
        finally:
            d.cleanup()


if __name__ == "__main__":
    wt.main()
