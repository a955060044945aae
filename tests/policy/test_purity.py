"""govit.policy never imports Django: it must run in a plain Python process."""

import ast
import subprocess
import sys
from pathlib import Path

import govit.policy

POLICY_DIR = Path(govit.policy.__file__).parent


def test_no_django_import_in_policy_sources():
    for path in POLICY_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not any(name.split(".")[0] in ("django", "ninja") for name in names), f"{path}: {names}"


def test_evaluating_loads_no_django_module():
    code = ("import sys, govit.policy as p; p.evaluate({'pack': 'kundulun-2024', 'project': {}}); "
            "print(any(m.split('.')[0] == 'django' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
