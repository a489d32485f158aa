"""sqlite-utils imported the lean way (core/lean_import.py) behaves exactly as when imported plainly."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from core import lean_import
from tests.conftest import ROOT

# What we, and sqlite-utils itself, rely on from the parts whose loading is put off: dateutil's parser
# (the parsedate recipes) and the module-level patterns (virtual tables, FTS quoting, literal defaults).
PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
if sys.argv[1] == "lean":
    import core.db
    loaded_early = [m for m in ("dateutil.parser._parser", "pluggy", "click.core") if m in sys.modules]
else:
    import sqlite_utils
    loaded_early = True
from sqlite_utils import Database
from sqlite_utils import recipes as r
from sqlite_utils.utils import progressbar

db = Database(memory=True)  # with plugins (the default): none are installed here, so none run either way
with db.atomic():
    with db.atomic():  # a savepoint, named with secrets.token_hex
        db["nested"].insert({"id": 1}, pk="id")
with progressbar(range(3), silent=False, label="x", file=open(__import__("os").devnull, "w")) as bar:
    counted = sum(1 for _ in bar)
db.execute("CREATE VIRTUAL TABLE docs USING fts5(title)")
db.execute("CREATE VIRTUAL TABLE \"Old Docs\" using FTS4(body)")
db["plain"].insert({"id": 1, "name": "x"}, pk="id")
db.execute("CREATE TABLE kept (id INTEGER PRIMARY KEY, n INTEGER DEFAULT 5 CHECK (n IN (1, 5, 0x1F, -2)), "
           "f REAL CHECK (f IN (1.5, -1.5e3, .5)), s TEXT DEFAULT 'it''s' CHECK (s IN ('it''s', NULL, 'b')))")
db["kept"].transform(rename={"n": "count"})

def attempt(fn):
    try:
        return fn()
    except Exception as exc:
        return type(exc).__name__

print(json.dumps({
    "loaded_early": loaded_early,
    "using": [db[t].virtual_table_using for t in ("docs", "Old Docs", "plain")],
    "quote_fts": [db.quote_fts(q) for q in ("王 小明", 'a "b c', "NOT x OR y", "")],
    "defaults": db["kept"].default_values,
    "options": [check.options for check in db["kept"].checks],
    "schema": db["kept"].schema,
    "parsedate": [r.parsedate("5/3/2024"), r.parsedate("5/3/2024", dayfirst=True), r.parsedate("2024年"[:4]),
                  r.parsedate("nonsense", errors=r.IGNORE), r.parsedate("nonsense", errors=r.SET_NULL),
                  attempt(lambda: r.parsedate("nonsense"))],
    "parsedatetime": [r.parsedatetime("2024-03-05 14:30"), r.parsedatetime("March 5 2024 2pm")],
    "nested": db["nested"].count, "counted": counted,
}, ensure_ascii=False, sort_keys=True))
"""


def _probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, mode, str(ROOT)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_sqlite_utils_features_are_the_same_as_after_a_plain_import():
    lean, plain = _probe("lean"), _probe("plain")
    assert lean.pop("loaded_early") == [], "the lean import should not load dateutil's parser, pluggy or click at start"
    plain.pop("loaded_early")
    assert lean == plain
    # And they are what sqlite-utils promises, not the same failure twice.
    assert lean["using"] == ["FTS5", "FTS4", None]
    assert lean["options"] == [[1, 5, 31, -2], [1.5, -1500.0, 0.5], ["it's", None, "b"]]
    assert lean["parsedate"][:2] == ["2024-05-03", "2024-03-05"]
    assert lean["parsedate"][3:] == ["nonsense", None, "ParserError"]
    assert lean["parsedatetime"] == ["2024-03-05T14:30:00", "2024-03-05T14:00:00"]
    assert lean["nested"] == 1 and lean["counted"] == 3  # click's progress bar, loaded when first used


def test_sqlite_utils_plugins_stand_aside():
    import sqlite_utils.plugins

    assert sqlite_utils.plugins.get_plugins() == []
    assert sqlite_utils.plugins.pm.hook.prepare_connection(conn=None) == []
    assert sqlite_utils.hookimpl(len) is len and sqlite_utils.hookspec(tryfirst=True)(len) is len


def test_deferred_pattern_matches_as_the_compiled_one():
    source, flags = r"(?P<word>\w+)\s+(\d+)", re.IGNORECASE
    eager, lazy = re.compile(source, flags), lean_import.DeferredPattern(source, flags)
    finditer = lazy.finditer  # taken before first use, as some libraries do at import
    text = "abc 12 Def 345 x"
    assert lazy._compiled is None
    assert [m.groups() for m in finditer(text)] == [m.groups() for m in eager.finditer(text)]
    assert lazy.sub(r"\2", text) == eager.sub(r"\2", text)
    assert lazy.split(text) == eager.split(text)
    assert lazy.match(text).groupdict() == {"word": "abc"}
    assert lazy.fullmatch(text) is None
    assert (lazy.pattern, lazy.flags, lazy.groups, lazy.groupindex) == (eager.pattern, eager.flags, eager.groups,
                                                                          eager.groupindex)
    assert lazy == eager and hash(lazy) == hash(eager)


def test_only_sqlite_utils_patterns_are_deferred_and_re_compile_is_restored():
    assert re.compile is lean_import._real_compile
    assert isinstance(re.compile("x"), re.Pattern)
    import sqlite_utils.db

    assert isinstance(sqlite_utils.db._virtual_table_using_re, (re.Pattern, lean_import.DeferredPattern))


def test_deferred_module_loads_on_first_attribute_and_serves_the_real_one(monkeypatch):
    monkeypatch.delitem(sys.modules, "json.tool", raising=False)
    lean_import.defer_module("json.tool")
    stand_in = sys.modules["json.tool"]
    assert isinstance(stand_in, lean_import._DeferredModule)
    from json import tool

    assert tool is stand_in  # the import statement alone does not load it
    main = tool.main  # the first attribute does
    real = sys.modules["json.tool"]
    assert real is not stand_in and main is real.main and tool.__file__ == real.__file__
    with pytest.raises(AttributeError):
        tool.no_such_thing


QT_PROBE = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
if sys.argv[1] == "lean":
    from core.lean_import import deferred_patterns
    with deferred_patterns("shibokensupport."):
        import PySide6.QtCore
    import shibokensupport.signature.parser as parser
    deferred = type(parser.arglistParser._finditer).__name__ == "_DeferredMethod"
else:
    import PySide6.QtCore
    deferred = False
from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

app = QApplication([])
messages = []
for call in (lambda: QWidget().resize("a", "b"), lambda: QComboBox().addItems(5),
             lambda: QStandardItemModel().setItemData(1, 2), lambda: QTimer().setInterval("x"),
             lambda: QObject().findChildren(3, 4, 5)):
    try:
        call()
        messages.append(None)
    except TypeError as exc:
        messages.append(str(exc))
print(json.dumps({"deferred": deferred, "messages": messages}, ensure_ascii=False))
"""


def _qt_probe(mode: str) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([sys.executable, "-c", QT_PROBE, mode, str(ROOT)], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_pyside_explains_wrong_arguments_the_same_with_its_patterns_deferred():
    lean, plain = _qt_probe("lean"), _qt_probe("plain")
    assert lean["deferred"] and not plain["deferred"]
    assert lean["messages"] == plain["messages"]
    assert all(message and "Supported signatures" in message for message in lean["messages"])


def test_deferred_method_stays_a_plain_callable_as_a_class_attribute():
    pattern = lean_import.DeferredPattern(r"\s*,\s*")

    class Splitter:
        split = pattern.split  # as PySide's pyi generator does

    assert Splitter().split("a , b,c") == ["a", "b", "c"]
