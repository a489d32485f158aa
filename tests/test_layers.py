"""core/ and reports/ must work with Qt absent: the store and the documents never need a window."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = r"""
import importlib, pkgutil, sys
class BlockQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('Qt is blocked in this test: ' + name)
        return None
sys.meta_path.insert(0, BlockQt())
import core, reports
names = []
for package in (core, reports):
    for info in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):
        importlib.import_module(info.name)
        names.append(info.name)
assert not [m for m in sys.modules if m.startswith('PySide6')]
print(len(names))
"""


def test_core_and_reports_import_without_qt():
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) >= 10  # every module was really imported


def test_gui_and_reports_hold_no_sql():
    for folder in ("gui", "reports"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for needle in (".execute(", ".executemany(", ".executescript(", ".query("):
                assert needle not in text, f"{path} runs SQL ({needle}); SQL belongs in core/"
