"""Real WebSocket clients against the real daemon's /echo endpoint.

- Node.js `ws` (tests/integration/js/ws_echo.mjs): text, binary, fragmented
  (fin: false streaming) and compressed messages of 0 B to 1 MiB, random
  content, each echo compared byte for byte; the negotiated
  permessage-deflate parameters with compression on and off, with ws's
  default offer, with window-bits/no-context-takeover parameters, and with
  no offer.
- Headless Chromium driven by playwright-core (js/browser_echo.mjs): a page
  served from a local origin that `allowed-origins` lists round-trips text
  and ArrayBuffer messages up to 1 MiB with compression on and off; pages
  from origins that are not allowed get their WebSocket refused (403, then
  error + close 1006 in the page), also under the default same-origin
  policy.

The npm dependencies (js/package.json, pinned by js/package-lock.json) are
installed with `npm ci` into $WSFAN_BUILDDIR/tests/js (never the source
tree). A missing node, npm or chromium fails the test; it is never skipped.
"""
import hashlib
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import wsfantest as wt

HERE = os.path.dirname(os.path.abspath(__file__))
JSDIR = os.path.join(HERE, "js")
CHROMIUM = os.environ.get("WSFAN_CHROMIUM", "/usr/bin/chromium")
INSTALL_HINT = "install the test dependencies with packaging/install-deps"

# The server's permessage-deflate policy: it never keeps a compression
# context in either direction (memory per connection), so it always answers
# with both *_no_context_takeover parameters.
PMD_DEFAULT = ("permessage-deflate; server_no_context_takeover; "
               "client_no_context_takeover")
PMD_PARAMS = PMD_DEFAULT + "; server_max_window_bits=10; " \
    "client_max_window_bits=9"
SIZES = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20]


def say(msg):
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def need(tool, path=None):
    """The path of tool (or of the given path), or fail the test."""
    p = (path if os.access(path, os.X_OK) else None) if path else \
        shutil.which(tool)
    if not p:
        raise AssertionError("%s not found (%s): %s is required for the "
                             "real-client tests" % (tool, path or "PATH",
                                                    tool)
                             + "; " + INSTALL_HINT)
    return p


_modules = None


def node_modules():
    """`npm ci` the pinned dependencies into the build tree once; returns
    the node_modules directory (for NODE_PATH)."""
    global _modules
    if _modules:
        return _modules
    need("node")
    npm = need("npm")
    build = os.environ.get("WSFAN_BUILDDIR")
    if build:
        dest = os.path.join(build, "tests", "js")
    else:
        dest = os.path.join(os.environ.get("XDG_CACHE_HOME") or
                            os.path.expanduser("~/.cache"), "wsfan-test-js")
    h = hashlib.sha256()
    for f in ("package.json", "package-lock.json"):
        with open(os.path.join(JSDIR, f), "rb") as fh:
            h.update(fh.read())
    digest = h.hexdigest()
    mods = os.path.join(dest, "node_modules")
    stamp = os.path.join(mods, ".wsfan-lock-sha256")
    try:
        with open(stamp) as fh:
            if fh.read().strip() == digest:
                _modules = mods
                return mods
    except OSError:
        pass
    os.makedirs(dest, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        # copyfile: the copy is writable even from a read-only source tree.
        shutil.copyfile(os.path.join(JSDIR, f), os.path.join(dest, f))
    t0 = time.monotonic()
    try:
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund",
                            "--ignore-scripts", "--loglevel=error"],
                           cwd=dest, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise AssertionError("npm ci in %s took over 300 s" % dest)
    if r.returncode != 0:
        raise AssertionError("npm ci in %s failed (exit %d):\n%s%s"
                             % (dest, r.returncode, r.stdout[-2000:],
                                r.stderr[-2000:]))
    with open(stamp, "w") as fh:
        fh.write(digest + "\n")
    say("npm ci into %s: %.1fs" % (dest, time.monotonic() - t0))
    _modules = mods
    return mods


def kill_matching(needle):
    """SIGKILL every process whose command line contains needle (a unique
    temp path of ours, e.g. the browser's profile directory)."""
    needle = needle.encode()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                if needle not in f.read():
                    continue
            os.kill(int(d), signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


def run_node(script, args, timeout, leftover=None):
    """Run node js/<script> args in its own process group; returns the JSON
    object it prints last. On timeout the group is killed; processes that
    left the group (Playwright starts the browser detached) are found by
    `leftover`, a string unique to their command line."""
    node = need("node")
    env = dict(os.environ, NODE_PATH=node_modules())
    cmd = [node, os.path.join(JSDIR, script)] + list(args)
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        raise AssertionError("%s timed out after %ds; stderr:\n%s"
                             % (script, timeout, err[-3000:]))
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
        if leftover:
            kill_matching(leftover)
    lines = [ln for ln in out.splitlines() if ln.strip()]
    try:
        res = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise AssertionError("%s (exit %d) printed no JSON; stdout:\n%s\n"
                             "stderr:\n%s" % (script, p.returncode,
                                              out[-2000:], err[-3000:]))
    if "error" in res or p.returncode != 0:
        raise AssertionError("%s failed (exit %d): %s\nstderr:\n%s"
                             % (script, p.returncode, res.get("error"),
                                err[-3000:]))
    return res


def start_daemon(extra):
    return wt.Wsfan(workers=2, extra="echo on\nmax-message-size 2m\n" +
                    extra).start()


def stop_daemons(ds):
    errs = []
    for d in ds:
        try:
            rc = d.stop()
            if rc != 0:
                errs.append("wsfan exited %r" % rc)
        except AssertionError as e:
            errs.append(str(e))
        finally:
            d.cleanup()
    if errs:
        raise AssertionError("\n".join(errs))


class Cases:
    def check_cases(self, label, cases, expect):
        """Each case must be ok; the names must be exactly `expect`."""
        for c in cases:
            say("  %s %-4s %s%s" % (label, "ok" if c["ok"] else "FAIL",
                                    c["name"],
                                    "" if c["ok"] else ": " + c["detail"]))
        bad = ["%s: %s" % (c["name"], c["detail"]) for c in cases
               if not c["ok"]]
        self.assertEqual(bad, [], "%s: echo mismatches" % label)
        self.assertEqual([c["name"] for c in cases], expect)


def ws_case_names(deflate):
    names = []
    for n in SIZES:
        names += ["text %d B" % n, "binary %d B" % n,
                  "fragmented text %d B" % n, "fragmented binary %d B" % n]
    for n in (65536, 1 << 20):
        names += ["compressible text %d B" % n,
                  "fragmented compressible binary %d B" % n]
    if deflate:
        for n in (0, 126, 65536):
            names += ["uncompressed text %d B" % n,
                      "uncompressed fragmented binary %d B" % n]
        names += ["server compresses: 1 MiB compressible echo < 64 KiB on "
                  "the wire", "100 compressible messages in a row"]
    return names


class NodeWs(unittest.TestCase, Cases):
    """The Node.js ws client."""

    @classmethod
    def setUpClass(cls):
        if wt.EXTERNAL:
            raise unittest.SkipTest("needs daemons with their own configs")
        node_modules()
        cls.on = start_daemon("compression on\n")
        cls.off = start_daemon("compression off\n")

    @classmethod
    def tearDownClass(cls):
        stop_daemons([cls.on, cls.off])

    def echo(self, d, mode, ext, deflate):
        url = "ws://127.0.0.1:%d/echo" % d.port
        t0 = time.monotonic()
        r = run_node("ws_echo.mjs", [url, mode, "30000"], timeout=40)
        label = "ws[%s,%s]" % ("on" if d is self.on else "off", mode)
        say("  %s: Sec-WebSocket-Extensions %r, %d cases in %.1fs"
            % (label, r["extensions"], len(r["cases"]),
               time.monotonic() - t0))
        self.assertEqual(r["extensions"], ext)
        self.assertEqual(r["negotiated"],
                         "permessage-deflate" if deflate else "")
        self.check_cases(label, r["cases"], ws_case_names(deflate))
        self.assertEqual(r["close"]["code"], 1000, r["close"])

    def test_compression_on_default_offer(self):
        self.echo(self.on, "deflate", PMD_DEFAULT, True)

    def test_compression_on_window_bits_offer(self):
        self.echo(self.on, "params", PMD_PARAMS, True)

    def test_compression_on_no_offer(self):
        self.echo(self.on, "plain", None, False)

    def test_compression_off_offer_declined(self):
        self.echo(self.off, "deflate", None, False)

    def test_compression_off_no_offer(self):
        self.echo(self.off, "plain", None, False)


PAGE = (b"<!doctype html><html><head><meta charset=utf-8>"
        b"<link rel=icon href='data:,'><title>wsfan echo test</title>"
        b"</head><body>wsfan echo test</body></html>")


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *a):
        pass


def page_server(host, port=0):
    s = http.server.ThreadingHTTPServer((host, port), _Page)
    s.daemon_threads = True
    threading.Thread(target=s.serve_forever, daemon=True).start()
    return s


def browser_case_names():
    names = []
    for n in SIZES:
        names += ["text %d B" % n, "binary ArrayBuffer %d B" % n]
    return names + ["binary Uint8Array view 65536 B at offset 1000",
                    "compressible text 1048576 B",
                    "compressible binary 1048576 B"]


class Chromium(unittest.TestCase, Cases):
    """Headless Chromium: one browser run in setUpClass, checked per case."""

    @classmethod
    def setUpClass(cls):
        if wt.EXTERNAL:
            raise unittest.SkipTest("needs daemons with their own configs")
        need("chromium", CHROMIUM)
        node_modules()
        cls.servers = []
        cls.daemons = []
        cls.profile = tempfile.mkdtemp(prefix="wsfan-chromium-")
        try:
            cls._run()
        except BaseException:
            cls._cleanup()
            raise

    @classmethod
    def _run(cls):
        ok = page_server("127.0.0.1")
        cls.servers.append(ok)
        a = ok.server_address[1]
        other_port = page_server("127.0.0.1")
        cls.servers.append(other_port)
        # Same port, another loopback address: another origin host.
        other_host = page_server("127.0.0.2", a)
        cls.servers.append(other_host)
        allowed = "http://127.0.0.1:%d" % a
        on = start_daemon("compression on\nallowed-origins %s\n" % allowed)
        cls.daemons.append(on)
        off = start_daemon("compression off\nallowed-origins %s\n" % allowed)
        cls.daemons.append(off)
        same = start_daemon("compression on\n")  # default: same origin
        cls.daemons.append(same)
        ws = "ws://127.0.0.1:%d/echo"
        cls.runs = [
            {"name": "compression on", "page": allowed + "/",
             "ws": ws % on.port, "expect": "echo"},
            {"name": "compression off", "page": allowed + "/",
             "ws": ws % off.port, "expect": "echo"},
            {"name": "origin on another port",
             "page": "http://127.0.0.1:%d/" % other_port.server_address[1],
             "ws": ws % on.port, "expect": "refused"},
            {"name": "origin on another host",
             "page": "http://127.0.0.2:%d/" % a,
             "ws": ws % on.port, "expect": "refused"},
            {"name": "default same-origin policy", "page": allowed + "/",
             "ws": ws % same.port, "expect": "refused"},
        ]
        spec = {"chromium": CHROMIUM, "userDataDir": cls.profile,
                "timeoutMs": 45000, "runs": cls.runs}
        t0 = time.monotonic()
        res = run_node("browser_echo.mjs", [json.dumps(spec)], timeout=55,
                       leftover=cls.profile)
        say("  chromium: %s, %d runs in %.1fs"
            % (res["userAgent"], len(res["runs"]), time.monotonic() - t0))
        cls.res = {r["name"]: r for r in res["runs"]}

    @classmethod
    def _cleanup(cls):
        kill_matching(cls.profile)
        for s in cls.servers:
            s.shutdown()
            s.server_close()
        try:
            stop_daemons(cls.daemons)
        finally:
            shutil.rmtree(cls.profile, ignore_errors=True)

    @classmethod
    def tearDownClass(cls):
        cls._cleanup()

    def run_of(self, name):
        r = self.res[name]
        self.assertNotIn("error", r, r.get("error"))
        return r

    def echo(self, name, ext):
        r = self.run_of(name)
        say("  chromium[%s]: origin %s, ws.extensions %r"
            % (name, r["origin"], r["extensions"]))
        self.assertEqual(r["extensions"], ext)
        self.check_cases("chromium[%s]" % name, r["cases"],
                         browser_case_names())
        self.assertEqual(r["close"], {"code": 1000, "reason": "",
                                      "wasClean": True})

    def refused(self, name):
        r = self.run_of(name)
        say("  chromium[%s]: origin %s, events %s, close %s"
            % (name, r["origin"], r["events"], r["close"]))
        self.assertEqual(r["events"], ["error", "close"])
        self.assertEqual(r["close"]["code"], 1006)
        self.assertFalse(r["close"]["wasClean"])
        # The browser says why: the server's 403 to the handshake.
        msgs = [m for m in r["console"] if r["ws"] in m]
        self.assertTrue(msgs and "403" in msgs[0], r["console"])

    def test_echo_compression_on(self):
        self.echo("compression on", PMD_DEFAULT)

    def test_echo_compression_off(self):
        self.echo("compression off", "")

    def test_refused_origin_other_port(self):
        self.refused("origin on another port")

    def test_refused_origin_other_host(self):
        self.refused("origin on another host")

    def test_refused_default_same_origin_policy(self):
        self.refused("default same-origin policy")


if __name__ == "__main__":
    wt.main()
