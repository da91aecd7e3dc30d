"""Docs in step with the code: every config directive wsfan knows appears
in the commented example config and in the README, and the example config
is itself valid."""
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

    def test_example_config_is_valid(self):
        r = wt.run_wsfan(["-t", "-c", os.path.join(SRC, "examples",
                                                   "wsfan.conf")])
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    wt.main()
