"""The candidate's process refuses the libraries its exercise forbids, whether or not its
fork server had loaded them."""

from __future__ import annotations

import subprocess
import sys

FORBID = """
import sys
from pathlib import Path
import json, json.decoder, email.message
from grader.candidate.process import ForbiddenImport, forbid_imports

forbid_imports(("json", "xml"), Path("answer.py"))
print(sorted(name for name in sys.modules if name.partition(".")[0] in ("json", "xml")))
print("email.message" in sys.modules)
for name in ("json", "json.decoder", "xml.dom"):
    try:
        __import__(name)
    except ForbiddenImport as exc:
        print("refused", name, "write it from scratch" in str(exc))
"""


def test_forbidden_libraries_are_dropped_and_refused_loaded_or_not():
    run = subprocess.run([sys.executable, "-c", FORBID], capture_output=True, text=True, check=True)
    assert run.stdout.splitlines() == [
        "[]",  # json and its submodules, loaded before, are gone
        "True",  # what the exercise allows stays
        "refused json True",
        "refused json.decoder True",
        "refused xml.dom True",  # never loaded: refused all the same
    ]
