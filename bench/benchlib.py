"""benchlib - what bench/compare, bench/compare-fanout and
bench/echo-compare share: the processes they start (and stop, by pid),
the servers under test (wsfan, nginx + nchan, the Node.js ws + redis
peer), sampling those servers from /proc and counting their system calls
with perf, and writing a script's own section of a markdown file.

Everything runs on loopback. Nothing here is installed; the scripts put
their own directory first on sys.path (and write no bytecode there).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
NCHAN_MODULE = "/usr/lib/nginx/modules/ngx_nchan_module.so"
PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "bench"


def die(msg):
    sys.exit("%s: %s" % (PROG, msg))


def warn(msg):
    print("%s: %s" % (PROG, msg), file=sys.stderr, flush=True)


# ---- small helpers ---------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


def http_get(port, path, timeout=2.0):
    """(status, body) of GET path on 127.0.0.1:port, or (0, '')."""
    try:
        with socket.create_connection(("127.0.0.1", port),
                                      timeout=timeout) as s:
            s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                       "Connection: close\r\n\r\n" % (path, port)).encode())
            data = b""
            while True:
                b = s.recv(65536)
                if not b:
                    break
                data += b
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body.decode("latin-1")
    except (OSError, ValueError, IndexError):
        return 0, ""


def wait_until(cond, what, timeout, proc=None):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc is not None and proc.poll() is not None:
            die("%s exited (status %s)" % (what, proc.returncode))
        if cond():
            return
        time.sleep(0.05)
    die("%s not ready in %d s" % (what, timeout))


def find(path, *candidates):
    for c in (path,) + candidates:
        if c and os.access(c, os.X_OK):
            return os.path.abspath(c)
    return None


def version(cmd, stream="stdout"):
    """The output of cmd (stripped), or '?'."""
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    return (getattr(p, stream) or "").strip() or "?"


def fmt(v, nd=0):
    if v is None:
        return "-"
    return "{:,.{}f}".format(v, nd)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def raise_nofile(want):
    """Raise the soft file limit to the hard one; the limit usable for
    want (hard - 100 when the hard limit is lower)."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        if hard != resource.RLIM_INFINITY and hard < want:
            return hard - 100
    except (ImportError, ValueError, OSError):
        pass
    return want


def git_rev(paths=("worker", "master", "shared", "configure.ac",
                   "Makefile.am")):
    """(short commit of the source tree, ', with uncommitted changes' when
    the server's sources differ from it) or ('', '')."""
    commit = version(["git", "-C", TOP, "rev-parse", "--short", "HEAD"])
    if commit == "?":
        return "", ""
    st = version(["git", "-C", TOP, "status", "--porcelain",
                  "--untracked-files=no", "--"] + list(paths))
    return commit, (", with uncommitted changes" if st != "?" else "")


# ---- /proc -----------------------------------------------------------------

def proc_stat(pid):
    """(utime + stime ticks, rss bytes, starttime, ppid, stime ticks) from
    /proc, or None if pid is gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return None
    fl = st[st.rfind(")") + 2:].split()
    return (int(fl[11]) + int(fl[12]), int(fl[21]) * PAGE, int(fl[19]),
            int(fl[1]), int(fl[12]))


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def tree(pid):
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def cpu_busy(cpu):
    """(busy, total) jiffies of one CPU from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%s " % cpu):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4]
                return sum(v) - idle, sum(v)
    return 0, 1


class Procs:
    """Processes this script started, stopped by pid: each master with
    the descendants it had when last seen (nginx workers outlive a killed
    master), identified by start time so a reused pid is never hit."""

    def __init__(self):
        self.list = []  # Popen objects
        self.known = {}  # descendant pid -> (starttime, master pid)

    def spawn(self, cmd, log, cwd):
        with open(log, "ab") as f:
            p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=f,
                                 stderr=f, cwd=cwd, start_new_session=True)
        self.list.append(p)
        return p

    def note(self, master):
        for c in tree(master)[1:]:
            st = proc_stat(c)
            if st:
                self.known[c] = (st[2], master)

    def stop(self, p, grace=15):
        if p.poll() is None:
            self.note(p.pid)
            p.terminate()
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for pid, (start, master) in list(self.known.items()):
            if master != p.pid:
                continue
            del self.known[pid]
            st = proc_stat(pid)
            if st is not None and st[2] == start:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        if p in self.list:
            self.list.remove(p)

    def stop_all(self):
        for p in reversed(list(self.list)):
            self.stop(p)


class Sampler(threading.Thread):
    """Every 100 ms: (monotonic ns, cpu ticks, rss bytes, Redis's cpu
    ticks, system cpu ticks) summed over the masters given and all their
    descendants."""

    def __init__(self, masters, redis_pid=0):
        super().__init__(daemon=True)
        self.masters, self.redis_pid = masters, redis_pid
        self.samples = []
        self.halt = threading.Event()

    def sample(self):
        cpu = rss = sys_ = 0
        for m in self.masters:
            for pid in tree(m):
                st = proc_stat(pid)
                if st:
                    cpu += st[0]
                    rss += st[1]
                    sys_ += st[4]
        r = proc_stat(self.redis_pid) if self.redis_pid else None
        return (time.monotonic_ns(), cpu, rss, r[0] if r else 0, sys_)

    def run(self):
        while not self.halt.is_set():
            self.samples.append(self.sample())
            self.halt.wait(0.1)
        self.samples.append(self.sample())

    def stop(self):
        self.halt.set()
        self.join()

    def at(self, t, col):
        """Column col interpolated at monotonic time t."""
        s = self.samples
        if not s:
            return 0
        if t <= s[0][0]:
            return s[0][col]
        for a, b in zip(s, s[1:]):
            if a[0] <= t <= b[0]:
                f = (t - a[0]) / (b[0] - a[0]) if b[0] > a[0] else 0
                return a[col] + f * (b[col] - a[col])
        return s[-1][col]

    def peak(self, col=2):
        return max((s[col] for s in self.samples), default=0)


# ---- system calls ----------------------------------------------------------

PERF_EVENT = "raw_syscalls:sys_enter"


def perf_works(perf):
    """None if `perf stat -e raw_syscalls:sys_enter` counts here, else why
    not."""
    if not perf:
        return "perf not found"
    try:
        p = subprocess.run([perf, "stat", "-x,", "-e", PERF_EVENT, "true"],
                           capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return str(e)
    if p.returncode != 0 or PERF_EVENT not in p.stderr:
        return (p.stderr.strip().splitlines() or ["exit %d" % p.returncode]
                )[-1]
    return None


class SyscallCounter:
    """`perf stat -e raw_syscalls:sys_enter -I 100` on every thread of
    the given processes (those that exist when it starts), pinned to
    cpu; count(t0, t1) sums the 100 ms intervals that end within (t0,
    t1 + 100 ms] (monotonic ns), so it is good to about 100 ms."""

    def __init__(self, perf, pids, cpu, log):
        self.log = log
        self.t_start = time.monotonic_ns()
        with open(log, "wb") as f:
            self.p = subprocess.Popen(
                ["taskset", "-c", cpu, perf, "stat", "-x,", "-I", "100",
                 "-e", PERF_EVENT, "-p", ",".join(str(p) for p in pids)],
                stdin=subprocess.DEVNULL, stdout=f, stderr=f,
                start_new_session=True)
        self.rows = []

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGINT)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        with open(self.log) as f:
            for line in f:
                fl = line.strip().split(",")
                if len(fl) < 4 or fl[3] != PERF_EVENT:
                    continue
                try:
                    t = float(fl[0])
                except ValueError:
                    continue
                n = int(fl[1]) if fl[1].isdigit() else 0
                self.rows.append((self.t_start + int(t * 1e9), n))

    def count(self, t0, t1):
        return sum(n for t, n in self.rows if t0 < t <= t1 + 100_000_000)


# ---- the Node.js peers -----------------------------------------------------

def npm_install(node_dir, node=None):
    """`npm ci` the pinned packages (bench/peers/package-lock.json) into
    node_dir, again whenever the lock file changed, and copy the peer
    servers (bench/peers/*.mjs) beside them (ES modules find packages from
    their own directory, not NODE_PATH); returns node_modules' path."""
    peers = os.path.join(HERE, "peers")
    modules = os.path.join(node_dir, "node_modules")
    os.makedirs(node_dir, exist_ok=True)
    for f in os.listdir(peers):
        if f.endswith(".mjs"):
            shutil.copy(os.path.join(peers, f), node_dir)
    lock = os.path.join(peers, "package-lock.json")
    have = os.path.join(node_dir, "package-lock.json")
    with open(lock, "rb") as f:
        want = f.read()
    try:
        with open(have, "rb") as f:
            same = f.read() == want
    except OSError:
        same = False
    if same and os.path.isdir(modules):
        return modules
    for f in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(peers, f), node_dir)
    npm = shutil.which("npm")
    if not npm:
        die("npm not found (apt-get install npm, or Node.js's own)")
    print("%s: npm ci in %s" % (PROG, node_dir), file=sys.stderr, flush=True)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"],
                   cwd=node_dir, check=True)
    return modules


def package_version(modules, name):
    try:
        with open(os.path.join(modules, name, "package.json")) as f:
            return json.load(f)["version"]
    except (OSError, ValueError, KeyError):
        return "?"


# ---- the servers -----------------------------------------------------------
#
# Each takes the script's options `a` (a.server_cpu, a.workers, and what
# the server needs: a.wsfan; a.nginx, a.nchan_module, a.nchan_mode,
# a.nofile; a.node, a.node_dir), starts `instances` instances on their own
# loopback ports, pinned to a.server_cpu, linked to the Redis on
# redis_port, waits until they serve, and notes their idle RSS (summed
# over every process). .ports, .masters (Popen), .cmds; .peer is what
# wsfan-bench's --peer needs ('' for wsfan's protocol).

class Wsfan:
    name = "wsfan"
    peer = ""

    def __init__(self, a, procs, tmp, redis_port, instances=1):
        self.ports = [free_port() for _ in range(instances)]
        self.masters, self.cmds = [], []
        for i, port in enumerate(self.ports):
            tag = chr(ord("a") + i)
            cmd = ["taskset", "-c", a.server_cpu, a.wsfan,
                   "--set", "listen=127.0.0.1:%d" % port,
                   "--set", "workers=%d" % a.workers,
                   "--set", "redis-url=redis://127.0.0.1:%d" % redis_port,
                   "--set", "control-socket=%s" %
                   os.path.join(tmp, "wsfan-%s.sock" % tag),
                   "--set", "log-level=warning"]
            self.cmds.append(cmd)
            self.masters.append(procs.spawn(
                cmd, os.path.join(tmp, "wsfan-%s.log" % tag), tmp))
        for i, p in enumerate(self.masters):
            # /healthz is 200 once the worker's Redis link is up; twice,
            # as two workers may answer
            what = "wsfan instance %s" % chr(ord("a") + i)
            for _ in range(2):
                wait_until(lambda: http_get(self.ports[i], "/healthz")[0] ==
                           200, what, 20, p)
                time.sleep(0.3)
            procs.note(p.pid)
        self.idle_rss = Sampler([p.pid for p in self.masters]).sample()[2]


class Nchan:
    name = "nchan"
    peer = "nchan"

    def __init__(self, a, procs, tmp, redis_port, instances=1):
        self.ports = [free_port() for _ in range(instances)]
        self.masters, self.cmds = [], []
        with open(os.path.join(HERE, "peers", "nchan.conf.in")) as f:
            tpl = f.read()
        for i, port in enumerate(self.ports):
            prefix = os.path.join(tmp, "nchan-%d-%s" % (port,
                                                        chr(ord("a") + i)))
            os.makedirs(prefix, exist_ok=True)
            os.chmod(prefix, 0o755)  # nginx workers run as nobody
            conf = os.path.join(prefix, "nginx.conf")
            text = tpl
            for k, v in (("PREFIX", prefix), ("PORT", str(port)),
                         ("WORKERS", str(a.workers)),
                         ("NOFILE", str(a.nofile)),
                         ("REDIS", "127.0.0.1:%d" % redis_port),
                         ("MODE", a.nchan_mode), ("MODULE", a.nchan_module)):
                text = text.replace("@%s@" % k, v)
            with open(conf, "w") as f:
                f.write(text)
            cmd = ["taskset", "-c", a.server_cpu, a.nginx, "-p", prefix,
                   "-c", conf, "-g", "daemon off;"]
            self.cmds.append(cmd)
            self.masters.append(procs.spawn(
                cmd, os.path.join(prefix, "stderr.log"), prefix))
        self.version = "?"
        for i, p in enumerate(self.masters):
            # every worker connected to Redis (the status is per worker)
            def ready(i=i):
                st, body = http_get(self.ports[i], "/status")
                if st == 200:
                    m = re.search(r"^nchan version: *(\S+)", body, re.M)
                    if m:
                        self.version = m.group(1)
                return st == 200 and "redis connected servers: 0" not in body
            wait_until(ready, "nchan instance %s" % chr(ord("a") + i), 20, p)
            time.sleep(0.5)
            procs.note(p.pid)
        self.idle_rss = Sampler([p.pid for p in self.masters]).sample()[2]


class Node:
    """bench/peers/ws-fanout.mjs: node's cluster primary and a.workers
    workers per instance."""
    name = "node"
    peer = ""

    def __init__(self, a, procs, tmp, redis_port, instances=1):
        self.ports = [free_port() for _ in range(instances)]
        self.masters, self.cmds, logs = [], [], []
        for i, port in enumerate(self.ports):
            tag = chr(ord("a") + i)
            cmd = ["taskset", "-c", a.server_cpu, a.node,
                   os.path.join(a.node_dir, "ws-fanout.mjs"),
                   "--port", str(port), "--workers", str(a.workers),
                   "--redis", "redis://127.0.0.1:%d" % redis_port]
            self.cmds.append(cmd)
            log = os.path.join(tmp, "node-%d-%s.log" % (port, tag))
            logs.append(log)
            self.masters.append(procs.spawn(cmd, log, tmp))
        for i, p in enumerate(self.masters):
            def ready(i=i):
                with open(logs[i]) as f:
                    return "ready" in f.read().split()
            wait_until(ready, "node instance %s" % chr(ord("a") + i), 30, p)
            wait_until(lambda: http_get(self.ports[i], "/healthz")[0] == 200,
                       "node instance %s" % chr(ord("a") + i), 10, p)
            time.sleep(0.3)
            procs.note(p.pid)
        self.idle_rss = Sampler([p.pid for p in self.masters]).sample()[2]


SERVERS = {"wsfan": Wsfan, "nchan": Nchan, "node": Node}


def start_redis(a, procs, tmp):
    """One redis-server on a free port, pinned to a.bench_cpu: (Popen,
    port, command)."""
    port = free_port()
    cmd = ["taskset", "-c", a.bench_cpu, a.redis, "--port", str(port),
           "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
           "--dir", tmp]
    p = procs.spawn(cmd, os.path.join(tmp, "redis.log"), tmp)
    wait_until(lambda: port_open(port), "redis-server", 15, p)
    return p, port, cmd


# ---- markdown --------------------------------------------------------------

def update_section(path, name, text):
    """Put text between `<!-- BEGIN name -->` and `<!-- END name -->` in
    the markdown file at path (markers included, the rest of the file
    kept); appended with its markers when the file has none, the file
    created when missing."""
    begin, end = "<!-- BEGIN %s -->" % name, "<!-- END %s -->" % name
    block = "%s\n%s\n%s" % (begin, text.strip("\n"), end)
    try:
        with open(path) as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    i, j = old.find(begin), old.find(end)
    if i >= 0 and j > i:
        new = old[:i] + block + old[j + len(end):]
    else:
        new = old.rstrip("\n") + ("\n\n" if old.strip() else "") + block + \
            "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        f.write(new)
    os.replace(path + ".tmp", path)
