"""Docs in step with the code: every config directive wsfan knows appears
in the commented example config, in the README and in wsfan.conf(5); every
wsfanctl command and its options in wsfanctl(8); every long option of
wsfan --help in wsfan(8); and the example config is itself valid."""
import os
import re
import subprocess
import unittest

import wsfantest as wt

SRC = os.environ.get("WSFAN_SRCDIR", os.path.join(os.path.dirname(__file__),
                                                   "..", ".."))


def directives():
    """Directive names from the table in shared/conf.c."""
    with open(os.path.join(SRC, "shared", "conf.c")) as f:
        text = f.read()
    names = re.findall(r'^\s*\{"([a-z-]+)", conf_set_', text, re.M)
    assert len(names) > 10, names
    return ["include"] + names


def read_src(*path):
    with open(os.path.join(SRC, *path)) as f:
        return f.read()


def man_page(name):
    """A page of docs/man with roff's \\- turned into a plain '-'."""
    return read_src("docs", "man", name).replace("\\-", "-")


def macro_lines(text):
    """The lines of a roff page that start with a macro (".It ...")."""
    return [l for l in text.splitlines() if l.startswith(".")]


def has_word(lines, word):
    """Does word appear, whole, on one of lines ('-' counts as a letter)?"""
    pat = re.compile(r"(?<![\w-])%s(?![\w-])" % re.escape(word))
    return any(pat.search(l) for l in lines)


def ctl_commands():
    """wsfanctl's commands, from the command table in shared/ctlproto.c
    (wf_ctlproto_cmd_find() looks names up there)."""
    text = read_src("shared", "ctlproto.c")
    table = re.search(r"ctlproto_names\[[^]]*\] = \{(.*?)\};", text, re.S)
    assert table is not None, "no ctlproto_names[] in shared/ctlproto.c"
    names = re.findall(r'\] = "([a-z-]+)"', table.group(1))
    assert len(names) >= 8, names
    return names


def ctl_command_options():
    """The options commands take (--watch, --top, ...), from
    parse_cmd_opts() in master/ctl/wsfanctl.c."""
    text = read_src("master", "ctl", "wsfanctl.c")
    opts = sorted(set(re.findall(r'strcmp\(a, "(--[a-z-]+)"\)', text)))
    assert len(opts) >= 4, opts
    return opts


def long_options(c_file):
    """The long options of a getopt_long() table: {"name", ...}."""
    text = read_src(*c_file.split("/"))
    names = re.findall(r'^\s*\{"([a-z-]+)", (?:no|required|optional)_argument',
                       text, re.M)
    assert len(names) >= 3, names
    return names


class Docs(unittest.TestCase):
    def test_example_config_covers_every_directive(self):
        with open(os.path.join(SRC, "examples", "wsfan.conf")) as f:
            text = f.read()
        for d in directives():
            if d == "include":
                continue
            self.assertRegex(text, r"(?m)^#?%s " % re.escape(d),
                             "examples/wsfan.conf lacks %s" % d)

    def test_readme_covers_every_directive(self):
        with open(os.path.join(SRC, "README.md")) as f:
            text = f.read()
        for d in directives():
            self.assertIn("`%s" % d, text, "README.md lacks %s" % d)

    def test_man_conf_covers_every_directive(self):
        lines = macro_lines(man_page("wsfan.conf.5"))
        for d in directives():
            # The entry's first word: ".It Cm NAME ..." (mdoc) or ".B NAME".
            pat = r"\.(?:It\s+Cm|B)\s+%s(?![\w-])" % re.escape(d)
            self.assertTrue(any(re.match(pat, l) for l in lines),
                            "docs/man/wsfan.conf.5 has no .It/.B entry for %s"
                            % d)

    def test_man_wsfanctl_covers_every_command(self):
        lines = macro_lines(man_page("wsfanctl.8"))
        usage = read_src("master", "ctl", "wsfanctl.c")
        for cmd in ctl_commands():
            self.assertTrue(any(re.match(r"\.It Cm %s\b" % cmd, l)
                                for l in lines),
                            "docs/man/wsfanctl.8 has no .It Cm %s" % cmd)
            self.assertRegex(usage, r'"  %s\b' % cmd,
                             "wsfanctl usage() lacks %s" % cmd)
        for o in ctl_command_options():
            self.assertTrue(has_word(lines, "Fl " + o[1:]),
                            "docs/man/wsfanctl.8 lacks %s" % o)
        for o in long_options("master/ctl/wsfanctl.c"):
            self.assertTrue(has_word(lines, "Fl -" + o),
                            "docs/man/wsfanctl.8 lacks --%s" % o)

    def test_man_wsfan_covers_every_long_option(self):
        lines = macro_lines(man_page("wsfan.8"))
        r = wt.run_wsfan(["--help"])
        self.assertEqual(r.returncode, 0, r.stderr)
        helped = re.findall(r"(?<![\w-])--([a-z][a-z-]*)", r.stdout)
        self.assertGreaterEqual(len(helped), 5, r.stdout)
        self.assertEqual(sorted(set(helped)),
                         sorted(long_options("master/main.c")),
                         "wsfan --help and its getopt table disagree")
        for o in helped:
            self.assertTrue(has_word(lines, "Fl -" + o),
                            "docs/man/wsfan.8 lacks --%s" % o)

    def test_example_config_is_valid(self):
        r = wt.run_wsfan(["-t", "-c", os.path.join(SRC, "examples",
                                                   "wsfan.conf")])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    wt.main()
