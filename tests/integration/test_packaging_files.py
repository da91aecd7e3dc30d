"""The packaging files in step with the code, without building a package
(make check-packaging does that): the versions of configure.ac, the Debian
changelog and the RPM spec agree; the packaged /etc/wsfan/wsfan.conf
comments every directive and is valid; the systemd unit has the settings
the package promises and `systemd-analyze verify` is clean on it (with
the paths pointing at the build); the man pages lint clean; every file
under packaging/ is distributed."""
import grp
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import unittest

import wsfantest as wt
from test_docs import directives

SRC = os.environ.get("WSFAN_SRCDIR", os.path.join(os.path.dirname(__file__),
                                                   "..", ".."))
PKG = os.path.join(SRC, "packaging")


def read(*path):
    with open(os.path.join(SRC, *path)) as f:
        return f.read()


def unit_settings():
    """The wsfan.service settings: {key: [values]} ([Unit], [Service] and
    [Install] together)."""
    out = {}
    for ln in read("packaging", "systemd", "wsfan.service").splitlines():
        ln = ln.strip()
        if ln and ln[0] not in "#;[" and "=" in ln:
            k, _, v = ln.partition("=")
            out.setdefault(k, []).append(v)
    return out


class Versions(unittest.TestCase):
    def test_debian_changelog_and_rpm_spec_match_configure(self):
        r = wt.run_wsfan(["--version"])
        version = r.stdout.split()[1]
        deb = re.match(r"wsfan \(([^)]+)\)",
                       read("packaging", "debian", "changelog")).group(1)
        self.assertEqual(deb.rsplit("-", 1)[0], version,
                         "packaging/debian/changelog: add an entry for %s"
                         % version)
        rpm = re.search(r"(?m)^Version:\s*(\S+)",
                        read("packaging", "rpm", "wsfan.spec")).group(1)
        self.assertEqual(rpm, version, "packaging/rpm/wsfan.spec Version")
        self.assertRegex(read("packaging", "rpm", "wsfan.spec"),
                         r"(?m)^\* .* - %s-" % re.escape(version),
                         "packaging/rpm/wsfan.spec: no %%changelog entry "
                         "for %s" % version)


class PackagedConfig(unittest.TestCase):
    PATH = os.path.join(PKG, "wsfan.conf")

    def test_comments_every_directive(self):
        text = read("packaging", "wsfan.conf")
        for d in directives():
            if d == "include":
                continue
            self.assertRegex(text, r"(?m)^#?%s " % re.escape(d),
                             "packaging/wsfan.conf lacks %s" % d)

    def test_is_valid_and_runs_the_workers_as_wsfan(self):
        text = read("packaging", "wsfan.conf")
        for line in ("user wsfan", "group wsfan",
                     "pidfile /run/wsfan/wsfan.pid",
                     "control-socket /run/wsfan/wsfan.sock",
                     "redis-url redis://127.0.0.1:6379"):
            self.assertRegex(text, r"(?m)^%s$" % re.escape(line))
        self.assertNotRegex(text, r"(?m)^log-file ", "the package logs to "
                            "the journal")
        # The user wsfan exists once the package is installed; here, a
        # user that exists everywhere, with its own group.
        nobody = pwd.getpwnam("nobody")
        group = grp.getgrgid(nobody.pw_gid).gr_name
        r = wt.run_wsfan(["-t", "-c", self.PATH, "--set", "user=nobody",
                          "--set", "group=" + group])
        self.assertEqual(r.returncode, 0, r.stderr)


class Unit(unittest.TestCase):
    def test_promised_settings(self):
        u = unit_settings()
        want = {
            "Type": "notify",
            "ExecStartPre": "/usr/sbin/wsfan -t -c /etc/wsfan/wsfan.conf",
            "ExecStart": "/usr/sbin/wsfan -c /etc/wsfan/wsfan.conf",
            "ExecReload": "/usr/bin/wsfanctl -c /etc/wsfan/wsfan.conf reload",
            "Restart": "on-failure",
            "LimitNOFILE": "1048576",
            "NoNewPrivileges": "yes",
            "ProtectSystem": "strict",
            "ProtectHome": "yes",
            "PrivateTmp": "yes",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
            "RuntimeDirectory": "wsfan",
            "WantedBy": "multi-user.target",
        }
        for k, v in want.items():
            self.assertEqual(u.get(k), [v], k)
        caps = u["CapabilityBoundingSet"][0].split()
        self.assertIn("CAP_NET_BIND_SERVICE", caps)
        self.assertNotIn("CAP_SYS_ADMIN", caps)
        self.assertIn("WatchdogSec", u)

    @unittest.skipIf(shutil.which("systemd-analyze") is None,
                     "systemd-analyze is not installed (package systemd)")
    def test_systemd_analyze_verify(self):
        # The unit as installed, but with the programs of this build (the
        # packaged ones are checked by make check-packaging).
        bindir = os.path.dirname(os.path.abspath(wt.WSFAN_BIN))
        text = read("packaging", "systemd", "wsfan.service")
        text = text.replace("/usr/sbin/wsfan", os.path.join(bindir, "wsfan"))
        text = text.replace("/usr/bin/wsfanctl",
                            os.path.join(bindir, "wsfanctl"))
        d = tempfile.mkdtemp(prefix="wsfan-unit-")
        try:
            path = os.path.join(d, "wsfan.service")
            with open(path, "w") as f:
                f.write(text)
            r = subprocess.run(["systemd-analyze", "verify", "--man=no",
                                path], capture_output=True, text=True,
                               timeout=60)
            out = (r.stdout + r.stderr).strip()
            self.assertEqual((r.returncode, out), (0, ""), out)
        finally:
            shutil.rmtree(d)


class ManPages(unittest.TestCase):
    @unittest.skipIf(shutil.which("mandoc") is None,
                     "mandoc is not installed (packaging/install-deps "
                     "installs it)")
    def test_lint_clean(self):
        for page in ("wsfan.8", "wsfanctl.8", "wsfan.conf.5"):
            r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning",
                                os.path.join(SRC, "docs", "man", page)],
                               capture_output=True, text=True, timeout=30)
            out = (r.stdout + r.stderr).strip()
            self.assertEqual((r.returncode, out), (0, ""), out)


class Distributed(unittest.TestCase):
    def test_every_packaging_file_is_in_extra_dist(self):
        mk = read("packaging", "local.mk") + read("Makefile.am")
        for top in ("packaging", os.path.join("tests", "packaging")):
            for dirpath, _, files in os.walk(os.path.join(SRC, top)):
                for f in files:
                    rel = os.path.relpath(os.path.join(dirpath, f), SRC)
                    if rel in ("packaging/local.mk",) or \
                            rel.endswith((".pyc", "~")):
                        continue
                    self.assertIn(rel, mk, "%s is not in EXTRA_DIST" % rel)


if __name__ == "__main__":
    wt.main()
