#!/usr/bin/env python3
"""check_packaging - the packages, tested on this machine; `make
check-packaging` runs it after `make deb` and `make rpm`, as root.

The .deb: lintian finds no error and no warning (the ones we keep are
overridden, with the reason, in packaging/debian/wsfan.lintian-overrides);
dpkg installs it; the files, the conffile, the system user wsfan, /run/wsfan
and the enabled unit are there; `systemd-analyze verify` finds nothing to
say about the unit, its Documentation= pages exist and the installed man
pages lint clean; `wsfan -t` accepts the installed configuration. Then the
installed daemon runs the way wsfan.service runs it (the machine has no
running systemd, so this script plays its part): ExecStartPre, then
ExecStart with the unit's CapabilityBoundingSet, NoNewPrivileges and
LimitNOFILE, a NOTIFY_SOCKET and a watchdog, with a private redis-server
and a free port (--set). It must send READY=1 and WATCHDOG=1; the master
runs as root, the workers as wsfan with no capabilities; /healthz answers
200 with Redis up; `wsfanctl status` on the default control socket says
healthy; a WebSocket client gets a message published through
/api/publish; the unit's ExecReload reloads it (RELOADING=1, READY=1, new
workers); SIGTERM (KillMode=mixed) stops it with status 0 and STOPPING=1,
with nothing logged at warn level or worse. `dpkg --purge` then leaves no
path with "wsfan" in its name that was not there before; the system user
stays, as documented in the postrm (this script deletes it afterwards if
it created it, so that the machine is as it was and the check can run
again).

The RPM: `rpm -qlp` lists exactly the expected files, `rpm -qcp` the
configuration, and /run/wsfan belongs to wsfan with mode 0750.

Every step is bounded in time; the timings are printed. Exit status 0 when
everything passed, 1 otherwise.

usage: check_packaging.py --deb FILE --rpm FILE --version VERSION
"""
import argparse
import gzip
import json
import os
import pwd
import re
import resource
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import wsfantest as wt

UNIT = "/lib/systemd/system/wsfan.service"
CONF = "/etc/wsfan/wsfan.conf"
RUN_DIR = "/run/wsfan"
# What the .deb installs, besides /usr/share/doc/wsfan.
DEB_FILES = [
    "/usr/sbin/wsfan",
    "/usr/bin/wsfanctl",
    CONF,
    UNIT,
    "/usr/lib/sysusers.d/wsfan.conf",
    "/usr/lib/tmpfiles.d/wsfan.conf",
    "/usr/share/man/man8/wsfan.8.gz",
    "/usr/share/man/man8/wsfanctl.8.gz",
    "/usr/share/man/man5/wsfan.conf.5.gz",
    "/usr/share/doc/wsfan/copyright",
    "/usr/share/doc/wsfan/README.md.gz",
    "/usr/share/doc/wsfan/examples/haproxy.cfg",
    "/usr/share/doc/wsfan/examples/nginx.conf",
    "/usr/share/doc/wsfan/examples/wsfan.conf",
]
WANTS_LINK = "/etc/systemd/system/multi-user.target.wants/wsfan.service"
# Where the leftovers check looks for paths with "wsfan" in their name.
SCAN_ROOTS = ["/etc", "/usr", "/lib", "/var", "/run", "/opt", "/srv"]
# The RPM's files; man pages with or without a compression suffix, the
# doc dir with or without -VERSION, /usr/lib/.build-id ignored.
RPM_FILES = {
    "/etc/wsfan",
    CONF,
    "/run/wsfan",
    "/usr/bin/wsfanctl",
    "/usr/sbin/wsfan",
    "/usr/lib/systemd/system/wsfan.service",
    "/usr/lib/sysusers.d/wsfan.conf",
    "/usr/lib/tmpfiles.d/wsfan.conf",
    "/usr/share/man/man5/wsfan.conf.5",
    "/usr/share/man/man8/wsfan.8",
    "/usr/share/man/man8/wsfanctl.8",
    "/usr/share/doc/wsfan",
    "/usr/share/doc/wsfan/README.md",
    "/usr/share/doc/wsfan/control-protocol.md",
    "/usr/share/doc/wsfan/haproxy.cfg",
    "/usr/share/doc/wsfan/nginx.conf",
    "/usr/share/doc/wsfan/wsfan.conf",
}


class Failed(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failed(what)


def run(cmd, timeout=60, ok=(0,), **kw):
    """Run cmd (a list), print it; fail unless its status is in ok.
    Returns the CompletedProcess (text, stdout and stderr captured)."""
    print("  $ " + " ".join(shlex.quote(c) for c in cmd), flush=True)
    try:
        r = subprocess.run(cmd, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL, **kw)
    except subprocess.TimeoutExpired:
        raise Failed("%s: no answer within %ds" % (cmd[0], timeout))
    if ok is not None and r.returncode not in ok:
        raise Failed("%s exited %d\n%s%s" % (" ".join(cmd), r.returncode,
                                              r.stdout, r.stderr))
    return r


def installed(pkg):
    r = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Status}",
                        pkg], capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() not in ("", "not-installed")


def scan():
    """Paths under SCAN_ROOTS with "wsfan" in their name."""
    r = subprocess.run(["find"] + SCAN_ROOTS + ["-xdev", "-path", "*wsfan*"],
                       capture_output=True, text=True, timeout=120)
    return set(r.stdout.split())


def unit_service_section(path):
    """The [Service] settings of a unit file: {key: [values]}."""
    out, section = {}, None
    with open(path) as f:
        for ln in f:
            ln = ln.strip()
            if not ln or ln[0] in "#;":
                continue
            if ln.startswith("["):
                section = ln
                continue
            if section == "[Service]" and "=" in ln:
                k, _, v = ln.partition("=")
                out.setdefault(k.strip(), []).append(v.strip())
    return out


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict(ln.rstrip("\n").split(":\t", 1) for ln in f if ":\t" in ln)


def cap_mask(names):
    """The capability bitmask of CAP_* names (as /proc shows it)."""
    nums = {"CAP_CHOWN": 0, "CAP_DAC_OVERRIDE": 1, "CAP_DAC_READ_SEARCH": 2,
            "CAP_FOWNER": 3, "CAP_FSETID": 4, "CAP_KILL": 5, "CAP_SETGID": 6,
            "CAP_SETUID": 7, "CAP_SETPCAP": 8, "CAP_NET_BIND_SERVICE": 10,
            "CAP_NET_ADMIN": 12, "CAP_NET_RAW": 13, "CAP_IPC_LOCK": 14,
            "CAP_SYS_RESOURCE": 24}
    m = 0
    for n in names:
        m |= 1 << nums[n]
    return m


class Notify:
    """The NOTIFY_SOCKET systemd would give a Type=notify service."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.seen = []

    def wait(self, want, timeout):
        """Wait for a message with the line `want`; returns it."""
        end = time.monotonic() + timeout
        while True:
            for m in self.seen:
                if want in m.split("\n"):
                    self.seen.remove(m)
                    return m
            left = end - time.monotonic()
            if left <= 0:
                raise Failed("no %s on NOTIFY_SOCKET within %ds (got %r)"
                             % (want, timeout, self.seen))
            self.sock.settimeout(left)
            try:
                self.seen.append(self.sock.recv(4096).decode())
            except socket.timeout:
                pass

    def close(self):
        self.sock.close()


class Check:
    def __init__(self, args):
        self.a = args
        self.tmp = tempfile.mkdtemp(prefix="wsfan-pkgcheck-")
        self.redis = None
        self.proc = None
        self.notify = None
        self.user_existed = True
        self.times = []

    # ---- the steps ----------------------------------------------------

    def preflight(self):
        check(os.geteuid() == 0, "check-packaging installs a package: run "
              "it as root")
        check(not installed("wsfan"), "a wsfan package is installed on this "
              "machine; check-packaging installs and purges its own: remove "
              "it first (dpkg --purge wsfan)")
        for tool in ("lintian", "dpkg", "rpm", "systemd-analyze", "setpriv",
                     "curl", "mandoc", "man", "ps", "userdel"):
            check(shutil.which(tool), "%s not found: run packaging/"
                  "install-deps" % tool)
        try:
            pwd.getpwnam("wsfan")
        except KeyError:
            self.user_existed = False
        self.before = scan()
        if RUN_DIR in self.before:
            print("  note: %s exists already" % RUN_DIR)

    def lintian(self):
        r = run(["lintian", "--fail-on", "error,warning", "--display-info",
                 "--pedantic", self.a.deb], timeout=300, ok=None)
        print("\n".join("  | " + ln for ln in
                        (r.stdout + r.stderr).strip().splitlines()))
        check(r.returncode == 0, "lintian reports errors or warnings "
              "(exit %d)" % r.returncode)

    def install(self):
        r = run(["dpkg", "-i", self.a.deb], timeout=300)
        print("\n".join("  | " + ln for ln in r.stdout.splitlines()
                        if "wsfan" in ln))
        check(installed("wsfan"), "dpkg does not list wsfan as installed")
        v = run(["dpkg-query", "-W", "-f", "${Version}", "wsfan"]).stdout
        check(v.startswith(self.a.version + "-"),
              "installed version %s is not %s-*" % (v, self.a.version))

    def installed_files(self):
        for p in DEB_FILES:
            check(os.path.exists(p), "%s is not installed" % p)
        check(os.access("/usr/sbin/wsfan", os.X_OK), "wsfan not executable")
        conffiles = run(["dpkg-query", "-W", "-f", "${Conffiles}",
                         "wsfan"]).stdout.split()
        check(CONF in conffiles, "%s is not a conffile: %r"
              % (CONF, conffiles))
        try:
            u = pwd.getpwnam("wsfan")
        except KeyError:
            raise Failed("the system user wsfan was not created")
        check(u.pw_uid < 1000, "wsfan is not a system user (uid %d)"
              % u.pw_uid)
        check(u.pw_shell.endswith("nologin"), "wsfan has a login shell: "
              + u.pw_shell)
        st = os.stat(RUN_DIR)
        check((st.st_uid, st.st_mode & 0o7777) == (u.pw_uid, 0o750),
              "%s: uid %d mode %o, expected wsfan and 0750"
              % (RUN_DIR, st.st_uid, st.st_mode & 0o7777))
        check(os.path.islink(WANTS_LINK), "the unit is not enabled (no %s)"
              % WANTS_LINK)
        self.uid = u.pw_uid

    def unit(self):
        # --man=no: following Documentation= would run man(1), which
        # caches formatted pages in /var/cache/man; man -w checks them.
        r = run(["systemd-analyze", "verify", "--man=no", UNIT])
        out = (r.stdout + r.stderr).strip()
        check(out == "", "systemd-analyze verify %s:\n%s" % (UNIT, out))
        print("  systemd-analyze verify: clean")
        with open(UNIT) as f:
            docs = re.search(r"^Documentation=(.*)$", f.read(), re.M)
        check(docs, "the unit has no Documentation=")
        for d in docs.group(1).split():
            m = re.match(r"man:([\w.-]+)\((\d)\)$", d)
            check(m, "unexpected Documentation= entry " + d)
            run(["man", "-w", m.group(2), m.group(1)])
        for page in [p for p in DEB_FILES if "/man/" in p]:
            with gzip.open(page, "rt") as f:
                text = f.read()
            print("  $ zcat %s | mandoc -T lint -W warning" % page)
            r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning"],
                               input=text, capture_output=True, text=True,
                               timeout=30)
            out = (r.stdout + r.stderr).strip()
            check(r.returncode == 0 and not out,
                  "mandoc -T lint %s:\n%s" % (page, out[:3000]))
        print("  man pages: lint clean")

    def config_test(self):
        r = run(["/usr/sbin/wsfan", "-t", "-c", CONF])
        check("is ok" in r.stdout, "wsfan -t: " + r.stdout + r.stderr)

    def start(self):
        if os.path.isdir("/run/systemd/system"):
            # systemd runs here, so the postinst started the service:
            # stop it, this check runs its own.
            print("  note: systemd is running; stopping wsfan.service")
            run(["systemctl", "stop", "wsfan.service"], timeout=60)
        svc = unit_service_section(UNIT)
        self.svc = svc
        check(svc.get("Type") == ["notify"], "Type is not notify")
        check(svc.get("KillMode") == ["mixed"], "KillMode is not mixed")
        caps = svc["CapabilityBoundingSet"][0].split()
        self.caps = caps
        wrap = ["setpriv", "--bounding-set",
                "-all," + ",".join("+" + c[4:].lower() for c in caps)]
        if svc.get("NoNewPrivileges") == ["yes"]:
            wrap.append("--no-new-privs")
        self.wrap = wrap
        nofile = int(svc["LimitNOFILE"][0])
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        if hard != resource.RLIM_INFINITY and hard < nofile and not (
                int(proc_status(os.getpid())["CapEff"], 16) & (1 << 24)):
            # A container without CAP_SYS_RESOURCE: nobody here may raise
            # the hard limit, not even systemd.
            print("  note: this machine caps RLIMIT_NOFILE at %d (no "
                  "CAP_SYS_RESOURCE): LimitNOFILE=%d becomes %d"
                  % (hard, nofile, hard))
            nofile = hard
        self.nofile = nofile

        def limits():
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.limits = limits
        for cmd in svc.get("ExecStartPre", []):
            run(wrap + shlex.split(cmd), preexec_fn=limits)
        self.redis = wt.Redis()
        self.port = wt.free_port()
        self.notify = Notify(os.path.join(self.tmp, "notify"))
        env = dict(os.environ, NOTIFY_SOCKET=self.notify.path,
                   WATCHDOG_USEC="2000000")
        # The packaged configuration, with a free port, our Redis, two
        # workers, and control-socket-group (it needs CAP_FOWNER).
        extra = ["--set", "listen=127.0.0.1:%d" % self.port,
                 "--set", "redis-url=" + self.redis.url,
                 "--set", "workers=2", "--set", "control-socket-group=adm"]
        argv = wrap + shlex.split(svc["ExecStart"][0]) + extra
        print("  $ " + " ".join(shlex.quote(c) for c in argv))
        self.logpath = os.path.join(self.tmp, "wsfan.log")
        self.logf = open(self.logpath, "ab")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=self.logf, stderr=self.logf,
                                     env=env, preexec_fn=limits)
        self.notify.wait("READY=1", 20)
        self.notify.wait("WATCHDOG=1", 5)

    def running(self):
        pid = self.proc.pid  # setpriv exec()s wsfan: the same process
        check(wt.proc_name(pid) == "wsfan", "pid %d is %r, not wsfan"
              % (pid, wt.proc_name(pid)))
        with open(os.path.join(RUN_DIR, "wsfan.pid")) as f:
            check(int(f.read()) == pid, "the pidfile does not name %d" % pid)
        out = run(["ps", "-o", "user=,pid=", "-p", str(pid)]).stdout.split()
        check(out[0] == "root", "the master runs as %s" % out[0])
        st = proc_status(pid)
        check(int(st["CapBnd"], 16) == cap_mask(self.caps),
              "master CapBnd %s, expected %x" % (st["CapBnd"],
                                                 cap_mask(self.caps)))
        check(st.get("NoNewPrivs") == "1", "the master may gain privileges")
        with open("/proc/%d/limits" % pid) as f:
            lim = re.search(r"Max open files\s+(\d+)", f.read()).group(1)
        check(int(lim) == self.nofile, "Max open files %s" % lim)
        self.workers = self.check_workers(pid)
        status, _, body = wt.get(self.port)
        check(status == 200, "/healthz: %s %r" % (status, body))
        r = run(["curl", "-fsS", "-m", "5",
                 "http://127.0.0.1:%d/healthz" % self.port])
        check(json.loads(r.stdout).get("redis") == "up",
              "/healthz: " + r.stdout)
        print("  /healthz: " + r.stdout.strip())
        r = run(["/usr/bin/wsfanctl", "status"])
        check(r.stdout.startswith("healthy"), "wsfanctl status: " + r.stdout)
        print("  wsfanctl status: " + r.stdout.strip())
        sock = os.path.join(RUN_DIR, "wsfan.sock")
        st = os.stat(sock)
        check(st.st_mode & 0o777 == 0o660, "%s mode %o" % (sock, st.st_mode))
        # A client through the installed daemon and its Redis.
        ws = wt.RawWs(self.port, path="/ws?ch=pkgcheck")
        check(ws.status == 101, "WebSocket handshake: %s" % ws.status)
        op, welcome = ws.recv_message()
        check(json.loads(welcome).get("op") == "welcome", welcome)
        body = json.dumps({"ch": "pkgcheck", "data": {"n": 1}}).encode()
        st = wt.http_request(self.port, (
            b"POST /api/publish HTTP/1.1\r\nHost: t\r\nContent-Type: "
            b"application/json\r\nContent-Length: %d\r\nConnection: close"
            b"\r\n\r\n%s" % (len(body), body)))[0]
        check(st == 200, "/api/publish: %s" % st)
        op, msg = ws.recv_message()
        check(json.loads(msg) == {"ch": "pkgcheck", "data": {"n": 1}}, msg)
        ws.close()
        print("  WebSocket client: got the message POSTed to /api/publish")

    def check_workers(self, pid):
        out = run(["ps", "-o", "user=,pid=", "--ppid", str(pid)]).stdout
        rows = [ln.split() for ln in out.splitlines()]
        check(len(rows) == 2, "expected 2 workers:\n" + out)
        for user, wpid in rows:
            check(user == "wsfan", "worker %s runs as %s" % (wpid, user))
            st = proc_status(int(wpid))
            check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0,
                  "worker %s has capabilities %s" % (wpid, st["CapEff"]))
        print("  workers as wsfan: " + ", ".join(r[1] for r in rows))
        return sorted(int(r[1]) for r in rows)

    def reload(self):
        for cmd in self.svc["ExecReload"]:
            r = run(self.wrap + shlex.split(cmd), timeout=70,
                    preexec_fn=self.limits)
            print("  " + r.stdout.strip())
        self.notify.wait("RELOADING=1", 5)
        self.notify.wait("READY=1", 20)
        pid = self.proc.pid
        wt.wait_for(lambda: len(wt.children(pid)) == 2, 15,
                    "the old workers to exit")
        new = self.check_workers(pid)
        check(not set(new) & set(self.workers), "the workers were not "
              "replaced: %r, %r" % (self.workers, new))
        check(wt.get(self.port)[0] == 200, "/healthz after the reload")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        stop_s = int(self.svc.get("TimeoutStopSec", ["90s"])[0].rstrip("s"))
        try:
            rc = self.proc.wait(stop_s)
        except subprocess.TimeoutExpired:
            raise Failed("wsfan did not stop within TimeoutStopSec=%ds"
                         % stop_s)
        self.notify.wait("STOPPING=1", 1)
        check(rc == 0, "wsfan exited %d" % rc)
        self.proc = None
        check(not os.path.exists(os.path.join(RUN_DIR, "wsfan.pid")),
              "the pidfile is left")
        with open(self.logpath, errors="replace") as f:
            bad = [ln for ln in f if re.match(r"<[0-4]>", ln)]
        check(not bad, "logged at warn level or worse:\n" + "".join(bad))

    def purge(self):
        run(["dpkg", "--purge", "wsfan"], timeout=300)
        check(not installed("wsfan"), "wsfan is still installed")
        for p in DEB_FILES + [RUN_DIR, "/etc/wsfan", WANTS_LINK,
                              "/usr/share/doc/wsfan"]:
            check(not os.path.lexists(p), "%s is left after the purge" % p)
        left = sorted(scan() - self.before)
        check(not left, "left after the purge:\n  " + "\n  ".join(left))
        try:
            pwd.getpwnam("wsfan")
        except KeyError:
            raise Failed("the purge removed the system user wsfan; the "
                         "postrm documents that it is kept")
        print("  nothing left but the system user wsfan (kept, as "
              "documented)")

    def rpm(self):
        def norm(p):
            p = re.sub(r"^/usr/share/doc/wsfan-[0-9][^/]*", "/usr/share/doc/"
                       "wsfan", p)
            return re.sub(r"(/man/man\d/.*)\.(gz|xz|bz2|zst)$", r"\1", p)

        r = run(["rpm", "-qlp", self.a.rpm])
        print("\n".join("  | " + ln for ln in r.stdout.splitlines()))
        got = {norm(p) for p in r.stdout.split()
               if not p.startswith("/usr/lib/.build-id")}
        check(got == RPM_FILES, "rpm -qlp: missing %r, unexpected %r"
              % (sorted(RPM_FILES - got), sorted(got - RPM_FILES)))
        r = run(["rpm", "-qcp", self.a.rpm])
        check(r.stdout.split() == [CONF], "rpm -qcp: " + r.stdout)
        r = run(["rpm", "-qp", "--qf", "%{VERSION}", self.a.rpm])
        check(r.stdout == self.a.version, "RPM version " + r.stdout)
        r = run(["rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILEUSERNAME} "
                 "%{FILEGROUPNAME} %{FILENAMES}\n]", self.a.rpm])
        check("drwxr-x--- wsfan wsfan /run/wsfan" in r.stdout.splitlines(),
              "/run/wsfan in the RPM:\n" + r.stdout)

    # ---- running them -------------------------------------------------

    def cleanup(self):
        if self.proc is not None and self.proc.poll() is None:
            kids = wt.children(self.proc.pid)
            self.proc.kill()
            self.proc.wait()
            for k in kids:
                try:
                    os.kill(k, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.notify is not None:
            self.notify.close()
        if self.redis is not None:
            self.redis.cleanup()
        if installed("wsfan"):
            print("cleanup: purging wsfan")
            subprocess.run(["dpkg", "--purge", "wsfan"], timeout=300,
                           stdout=subprocess.DEVNULL)
        if not self.user_existed:
            try:
                pwd.getpwnam("wsfan")
                print("cleanup: deleting the system user wsfan this check "
                      "created")
                subprocess.run(["userdel", "wsfan"], timeout=30)
                subprocess.run(["groupdel", "wsfan"], timeout=30,
                               stderr=subprocess.DEVNULL)
            except KeyError:
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def main(self):
        steps = [
            ("preflight", self.preflight),
            ("lintian", self.lintian),
            ("dpkg -i", self.install),
            ("installed files, user, run dir", self.installed_files),
            ("unit and man pages", self.unit),
            ("wsfan -t", self.config_test),
            ("start as wsfan.service does", self.start),
            ("serving", self.running),
            ("ExecReload", self.reload),
            ("stop", self.stop),
            ("dpkg --purge", self.purge),
            ("rpm -qlp", self.rpm),
        ]
        t0 = time.monotonic()
        failed = None
        try:
            for name, fn in steps:
                print("== %s" % name, flush=True)
                t = time.monotonic()
                try:
                    fn()
                except (Failed, AssertionError, OSError,
                        subprocess.SubprocessError) as e:
                    failed = name
                    print("FAIL %s: %s" % (name, e), flush=True)
                    if self.proc is not None:
                        with open(self.logpath, errors="replace") as f:
                            print("---- wsfan log\n" + f.read()[-4000:])
                    break
                self.times.append((name, time.monotonic() - t))
                print("ok   %s (%.1fs)" % (name, self.times[-1][1]),
                      flush=True)
        finally:
            self.cleanup()
        print("\ncheck-packaging: %s in %.1fs" % (
            "FAILED at " + failed if failed else "all passed",
            time.monotonic() - t0))
        return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--deb", required=True)
    ap.add_argument("--rpm", required=True)
    ap.add_argument("--version", required=True)
    a = ap.parse_args()
    for f in (a.deb, a.rpm):
        if not os.path.isfile(f):
            print("check_packaging: no such file: %s" % f)
            return 1
    a.deb = os.path.abspath(a.deb)
    a.rpm = os.path.abspath(a.rpm)
    return Check(a).main()


if __name__ == "__main__":
    sys.exit(main())
