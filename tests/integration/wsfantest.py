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
WSFANCTL_BIN = os.environ.get("WSFANCTL_BIN") or os.path.join(
    os.path.dirname(WSFAN_BIN), "wsfanctl")
REDIS_SERVER = os.environ.get("REDIS_SERVER", "redis-server")
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


def proc_name(pid):
    """The command name of pid (/proc/PID/comm), or None if it is gone."""
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return None


def http_request(port, raw, host="127.0.0.1", timeout=5.0):
    """Send raw bytes on a new connection, read until the server closes or
    one response is complete; returns (status, headers dict, body)."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(raw)
        return read_response(s)


def _read_one(sock, data):
    """Read one response from sock after the bytes already in data.
    Returns ((status, headers, body), leftover bytes); status is None if
    the connection closed before a whole header arrived."""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return (None, {}, data), b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
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
    return (int(lines[0].split()[1]), headers, rest[:n]), rest[n:]


def read_response(sock, buf=None):
    """Read one HTTP/1.1 response from sock. Returns (status, headers,
    body); status is None if the connection closed first."""
    return _read_one(sock, b"" if buf is None else buf)[0]


def read_responses(sock, count):
    """Read count pipelined responses; returns [(status, headers, body)]."""
    out, data = [], b""
    while len(out) < count:
        resp, data = _read_one(sock, data)
        if resp[0] is None:
            break
        out.append(resp)
    return out


def get(port, path="/healthz", host="127.0.0.1", timeout=5.0):
    """GET path on a new connection; returns (status, headers, body)."""
    return http_request(port, ("GET %s HTTP/1.1\r\nHost: t\r\n"
                               "Connection: close\r\n\r\n" % path).encode(),
                        host=host, timeout=timeout)


class Redis:
    """A private redis-server without persistence on a free port."""

    def __init__(self, port=None):
        self.dir = tempfile.mkdtemp(prefix="wsfan-redis-")
        self.port = port or free_port()
        self.proc = None
        self.start()

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port

    def start(self):
        if not shutil.which(REDIS_SERVER) and not os.path.exists(REDIS_SERVER):
            raise AssertionError("redis-server not found (%s): install it "
                                 "(packaging/install-deps)" % REDIS_SERVER)
        self.log = open(os.path.join(self.dir, "redis.log"), "ab")
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", self.dir,
             "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        _live.append(self)
        wait_for(self._pings, 10, "redis-server to answer")
        return self

    def _pings(self):
        try:
            return self.cmd("PING") == "PONG"
        except OSError:
            return False

    def cmd(self, *args, timeout=5):
        """Run one command; returns the decoded reply (str, int, list)."""
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=timeout) as s:
            out = b"*%d\r\n" % len(args)
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out += b"$%d\r\n%s\r\n" % (len(a), a)
            s.sendall(out)
            f = s.makefile("rb")
            return _resp_read(f)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self in _live:
            _live.remove(self)
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def cleanup(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _resp_read(f):
    line = f.readline()
    if not line:
        raise EOFError("redis closed the connection")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        raise RuntimeError(rest.decode())
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        try:
            return data.decode()
        except UnicodeDecodeError:
            return data
    if t == b"*":
        n = int(rest)
        return None if n < 0 else [_resp_read(f) for _ in range(n)]
    raise RuntimeError("bad RESP line %r" % line)


class Wsfan:
    """One wsfan daemon in a temporary directory. Unless redis is given
    (a Redis, or a URL string), it gets a private redis-server of its own,
    stopped with it. redis="spawn" starts no redis-server here: the config
    says `redis-spawn yes` and `run-dir <tmp>/run` instead, so the master
    runs its own (self.run_dir, self.redis_sock, redis_pid())."""

    def __init__(self, workers=2, extra="", host="127.0.0.1", port=None,
                 redis=None):
        self.spawn = redis == "spawn"
        if redis is None:
            self.redis = Redis()
            self.own_redis = True
        else:
            self.redis = None if self.spawn else redis
            self.own_redis = False
        self.dir = tempfile.mkdtemp(prefix="wsfan-test-")
        self.run_dir = os.path.join(self.dir, "run")
        self.redis_sock = os.path.join(self.run_dir, "redis.sock")
        if self.spawn:
            redis_conf = "redis-spawn yes\nrun-dir %s\n" % self.run_dir
        else:
            redis_conf = "redis-url %s\n" % (
                redis if isinstance(redis, str) else self.redis.url)
        self.host = host
        self.port = port or free_port(host)
        self.workers = workers
        self.conf = os.path.join(self.dir, "wsfan.conf")
        self.pidfile = os.path.join(self.dir, "wsfan.pid")
        self.logpath = os.path.join(self.dir, "wsfan.log")
        self.ctl_sock = os.path.join(self.dir, "ctl.sock")
        addr = "[%s]:%d" % (host, self.port) if ":" in host else \
            "%s:%d" % (host, self.port)
        self.write_conf("listen %s\nworkers %d\npidfile %s\nlog-level info\n"
                        "control-socket %s\n%s%s"
                        % (addr, workers, self.pidfile, self.ctl_sock,
                           redis_conf, extra))
        self.proc = None
        self.pid = None

    def write_conf(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, args=(), wait=True, env=None):
        self.logf = open(self.logpath, "ab")
        full_env = None
        if env is not None:
            full_env = dict(os.environ)
            full_env.update(env)
        self.proc = subprocess.Popen([WSFAN_BIN, "-c", self.conf] + list(args),
                                     stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     env=full_env)
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

    def ctl(self, *args, timeout=70, **kw):
        """Run wsfanctl against this daemon's control socket; returns
        CompletedProcess (text)."""
        return subprocess.run([WSFANCTL_BIN, "-s", self.ctl_sock] +
                              list(args), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL, **kw)

    def worker_pids(self):
        """The master's children except a spawned redis-server."""
        return [p for p in children(self.pid) if proc_name(p) !=
                "redis-server"] if self.pid else []

    def redis_pid(self):
        """The pid of the master's redis-server child (redis-spawn), or
        None."""
        kids = [p for p in children(self.pid) if proc_name(p) ==
                "redis-server"] if self.pid else []
        return kids[0] if kids else None

    def log(self):
        try:
            with open(self.logpath, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

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
            kids = children(self.pid)
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
        if self.own_redis:
            self.redis.cleanup()
        self.check_log()
        shutil.rmtree(self.dir, ignore_errors=True)


class DaemonCase(unittest.TestCase):
    """A test class sharing one daemon: set DAEMON to the Wsfan keyword
    arguments; the daemon is started before the first test, and must exit
    0 after the last."""

    DAEMON = {}

    @classmethod
    def setUpClass(cls):
        cls.d = Wsfan(**cls.DAEMON).start()

    @classmethod
    def tearDownClass(cls):
        try:
            assert cls.d.stop() == 0
        finally:
            cls.d.cleanup()


def run_wsfan(args, timeout=10):
    """Run the wsfan binary to completion; returns CompletedProcess."""
    return subprocess.run([WSFAN_BIN] + list(args), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def main():
    unittest.main(verbosity=2)


# ---- a minimal raw WebSocket client, for protocol-level tests ----------

WS_KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class RawWs:
    """A WebSocket client on a plain socket that can also break the rules."""

    def __init__(self, port, path="/echo", host="127.0.0.1", headers=(),
                 timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
               "Sec-WebSocket-Version: 13\r\n" % (path, host, port, WS_KEY))
        for h in headers:
            req += h + "\r\n"
        self.sock.sendall((req + "\r\n").encode())
        self.status, self.headers, self.buf = self._read_head()

    def _read_head(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.sock.recv(65536)
            if not chunk:
                return None, {}, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            headers[k.strip().lower()] = v.strip()
        return int(lines[0].split()[1]), headers, rest

    @staticmethod
    def frame(opcode, payload=b"", fin=True, rsv=0, mask=True, key=None):
        import struct
        b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
        n = len(payload)
        m = 0x80 if mask else 0
        if n < 126:
            hdr = struct.pack("!BB", b0, m | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", b0, m | 126, n)
        else:
            hdr = struct.pack("!BBQ", b0, m | 127, n)
        if not mask:
            return hdr + payload
        key = key or os.urandom(4)
        masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) \
            if n < 4096 else _mask_fast(payload, key)
        return hdr + key + masked

    def send(self, opcode, payload=b"", **kw):
        self.sock.sendall(self.frame(opcode, payload, **kw))

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk

    def recv_frame(self):
        """Returns (fin, opcode, payload) of the next server frame."""
        import struct
        self._need(2)
        b0, b1 = self.buf[0], self.buf[1]
        if b1 & 0x80:
            raise AssertionError("server frame is masked")
        n = b1 & 0x7f
        off = 2
        if n == 126:
            self._need(4)
            n = struct.unpack("!H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            self._need(10)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            off = 10
        self._need(off + n)
        payload = self.buf[off:off + n]
        self.buf = self.buf[off + n:]
        return bool(b0 & 0x80), b0 & 0x0f, (b0 >> 4) & 7, payload

    def recv_message(self):
        """Next data message (opcode, payload), skipping control frames;
        a close frame returns (8, payload)."""
        data, op = b"", None
        while True:
            fin, opcode, _, payload = self.recv_frame()
            if opcode in (8,):
                return 8, payload
            if opcode in (9, 10):
                continue
            if op is None:
                op = opcode
            data += payload
            if fin:
                return op, data

    def expect_close(self, code):
        """Read until the close frame; check its code and that TCP closes."""
        import struct
        while True:
            fin, opcode, _, payload = self.recv_frame()
            if opcode == 8:
                break
        got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
        if got != code:
            raise AssertionError("close code %r, expected %r (%r)"
                                 % (got, code, payload))
        try:  # complete the closing handshake, as a client should
            self.send(8, payload[:2])
        except OSError:
            pass
        self.sock.settimeout(5)
        try:
            while self.sock.recv(65536):
                pass
        except ConnectionResetError:
            pass
        return payload[2:]

    def close(self):
        self.sock.close()


def _mask_fast(payload, key):
    n = len(payload)
    k = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")
