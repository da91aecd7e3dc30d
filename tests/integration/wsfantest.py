"""wsfantest - the integration test harness: runs the real wsfan daemon in
a temporary directory on a free port and talks to it over real sockets.

Environment (set by `make check`):
  WSFAN_BIN     the wsfan binary under test
  REDIS_SERVER  redis-server, for the tests that need Redis (never skipped)
  WSFAN_TEST_DAEMON=host:port  talk to an already running daemon (e.g. one
                under a debugger) instead of starting one; tests that need
                to control the processes are skipped then.
"""
import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

WSFAN_BIN = os.environ.get("WSFAN_BIN", "wsfan")
EXTERNAL = os.environ.get("WSFAN_TEST_DAEMON")
_live = []


def _cleanup():
    for d in list(_live):
        d.kill()


atexit.register(_cleanup)


def free_port(host="127.0.0.1"):
    """A TCP port that nothing listens on right now."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(pred, timeout, what, interval=0.02):
    """Poll pred() until it is true or timeout seconds pass."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out after %.1fs waiting for %s"
                                 % (timeout, what))
        time.sleep(interval)


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(") ")[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def children(pid):
    """Live child pids of pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        rest = st[st.rfind(")") + 2:].split()
        if int(rest[1]) == pid and rest[0] != "Z":
            out.append(int(d))
    return sorted(out)


def http_request(port, raw, host="127.0.0.1", timeout=5.0):
    """Send raw bytes on a new connection, read until the server closes or
    one response is complete; returns (status, headers dict, body)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(raw)
        return read_response(s)


def read_response(sock, buf=None):
    """Read one HTTP/1.1 response from sock. Returns (status, headers,
    body); status is None if the connection closed first."""
    data = b"" if buf is None else buf
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, data
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(rest) < n:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, headers, rest[:n]


def get(port, path="/healthz", host="127.0.0.1", timeout=5.0):
    """GET path on a new connection; returns (status, headers, body)."""
    return http_request(port, ("GET %s HTTP/1.1\r\nHost: t\r\n"
                               "Connection: close\r\n\r\n" % path).encode(),
                        host=host, timeout=timeout)


class Wsfan:
    """One wsfan daemon in a temporary directory."""

    def __init__(self, workers=2, extra="", host="127.0.0.1", port=None):
        self.dir = tempfile.mkdtemp(prefix="wsfan-test-")
        self.host = host
        self.port = port or free_port(host)
        self.workers = workers
        self.conf = os.path.join(self.dir, "wsfan.conf")
        self.pidfile = os.path.join(self.dir, "wsfan.pid")
        self.logpath = os.path.join(self.dir, "wsfan.log")
        addr = "[%s]:%d" % (host, self.port) if ":" in host else \
            "%s:%d" % (host, self.port)
        self.write_conf("listen %s\nworkers %d\npidfile %s\nlog-level info\n"
                        "%s" % (addr, workers, self.pidfile, extra))
        self.proc = None
        self.pid = None

    def write_conf(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, args=(), wait=True):
        self.logf = open(self.logpath, "ab")
        self.proc = subprocess.Popen([WSFAN_BIN, "-c", self.conf] + list(args),
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf)
        self.pid = self.proc.pid
        _live.append(self)
        if wait:
            wait_for(lambda: len(self.worker_pids()) == self.workers and
                     self._answers(), 10, "wsfan to serve")
        return self

    def _answers(self):
        try:
            return get(self.port, host=self.host, timeout=1)[0] == 200
        except OSError:
            return False

    def worker_pids(self):
        return children(self.pid) if self.pid else []

    def log(self):
        with open(self.logpath, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def signal(self, sig):
        os.kill(self.pid, sig)

    def stop(self, timeout=10):
        """SIGTERM and wait; returns the exit status. Fails the test if a
        line at alert level or worse was logged (a wsfan bug)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError("wsfan did not exit within %ds" % timeout)
        self._done()
        self.check_log()
        return rc

    def check_log(self):
        """Fail on alert lines (a wsfan bug) and on sanitizer reports."""
        bad = [ln for ln in self.log().splitlines()
               if re.match(r"^<[0-1]>", ln) or "AddressSanitizer" in ln or
               "LeakSanitizer" in ln or "runtime error:" in ln]
        if bad:
            raise AssertionError("bad lines in the log:\n" + "\n".join(bad))

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            kids = self.worker_pids()
            self.proc.kill()
            self.proc.wait()
            for k in kids:
                try:
                    os.kill(k, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self._done()

    def _done(self):
        if self in _live:
            _live.remove(self)
        if getattr(self, "logf", None):
            self.logf.close()
            self.logf = None

    def cleanup(self):
        self.kill()
        self.check_log()
        shutil.rmtree(self.dir, ignore_errors=True)


def run_wsfan(args, timeout=10):
    """Run the wsfan binary to completion; returns CompletedProcess."""
    return subprocess.run([WSFAN_BIN] + list(args), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def main():
    unittest.main(verbosity=2)
