"""Importing sqlite-utils without paying at start for what it only needs later: dateutil's parser, big regexes.

sqlite-utils imports `dateutil.parser` (for its `parsedate` recipes, which we do not call at start) and compiles
a few regular expressions at import time, one of them with a case-insensitive verbose pattern that alone takes
~15 ms to compile. Every start of the program paid ~30 ms for them. Here both wait until first used: the parser
module is a stand-in that imports the real one on first attribute access, and patterns compiled by sqlite-utils'
modules while they are being imported are compiled on first use. Behaviour is unchanged: the stand-in hands out
the real module's attributes, a deferred pattern compiles to the same `re.Pattern` (tests/test_lean_import.py).

Its plugin system costs another ~12 ms (pluggy, and click for the CLI hook's annotation) for nothing: core.db
opens every connection without plugins. `sqlite_utils.plugins`/`hookspecs` are stand-ins saying "no plugins",
and click (used by sqlite-utils only for progress bars) loads on first use.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager

_DEFERRED_MODULES = ("dateutil.parser", "click")
_deferred_pattern_modules: tuple[str, ...] = ()  # patterns compiled by these modules wait for first use
_PATTERN_METHODS = frozenset({"match", "fullmatch", "search", "finditer", "findall", "split", "sub", "subn", "scanner"})


class _DeferredModule(types.ModuleType):
    """Stands in sys.modules for a module until one of its attributes is first asked for."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lean_lock"] = threading.RLock()

    def __getattr__(self, attr: str):
        # Only called for attributes not yet copied here: load the real module, then serve from its namespace.
        if attr.startswith("__") and attr.endswith("__") and attr not in ("__file__", "__path__", "__all__"):
            raise AttributeError(attr)
        real = self._lean_load()
        return getattr(real, attr)

    def _lean_load(self) -> types.ModuleType:
        name = self.__name__
        with self.__dict__["_lean_lock"]:
            real = sys.modules.get(name)
            if real is None or real is self:
                if real is self:
                    del sys.modules[name]
                try:
                    real = importlib.import_module(name)
                except BaseException:
                    sys.modules.setdefault(name, self)
                    raise
            for key, value in vars(real).items():
                if key not in ("__name__", "__spec__", "__loader__"):
                    self.__dict__.setdefault(key, value)
            self.__dict__["__spec__"] = real.__spec__
            return real


class DeferredPattern:
    """A regular expression compiled on first use; every attribute and method is the compiled pattern's."""

    __slots__ = ("_args", "_compiled", "__weakref__")

    def __init__(self, pattern, flags=0):
        self._args = (pattern, flags)
        self._compiled = None

    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = _real_compile(*self._args)
        return self._compiled

    def __getattr__(self, name: str):
        if self._compiled is None and name in _PATTERN_METHODS:
            return _DeferredMethod(self, name)  # bound at import (`_finditer = rec.finditer`): compile on call
        return getattr(self.compiled(), name)

    def __eq__(self, other):
        return self.compiled() == (other.compiled() if isinstance(other, DeferredPattern) else other)

    def __hash__(self):
        return hash(self.compiled())

    def __repr__(self):
        return repr(self.compiled())


class _DeferredMethod:
    """A pattern's method taken before the pattern is compiled (a plain object: as a class attribute it must
    not turn into a bound method the way a function would)."""

    __slots__ = ("_pattern", "_name")

    def __init__(self, pattern: DeferredPattern, name: str):
        self._pattern, self._name = pattern, name

    def __call__(self, *args, **kwargs):
        return getattr(self._pattern.compiled(), self._name)(*args, **kwargs)


_real_compile = re.compile


def _compile_deferred_for_importing_modules(pattern, flags=0):
    caller = sys._getframe(1).f_globals.get("__name__", "")
    if _deferred_pattern_modules and caller.startswith(_deferred_pattern_modules) and isinstance(pattern, str):
        return DeferredPattern(pattern, flags)
    return _real_compile(pattern, flags)


@contextmanager
def deferred_patterns(*module_prefixes: str) -> Iterator[None]:
    """While importing: re.compile called by modules whose name starts with one of the prefixes returns a
    DeferredPattern (compiled on first use); everyone else gets re.compile as usual."""
    global _deferred_pattern_modules
    previous, patched = _deferred_pattern_modules, re.compile is not _real_compile
    _deferred_pattern_modules = previous + module_prefixes
    re.compile = _compile_deferred_for_importing_modules
    try:
        yield
    finally:
        _deferred_pattern_modules = previous
        if not patched:
            re.compile = _real_compile


def defer_module(name: str) -> None:
    """Put a stand-in for `name` into sys.modules unless it is imported already."""
    if name not in sys.modules:
        sys.modules[name] = _DeferredModule(name)


class _NoHooks:
    """sqlite-utils' hook caller with no plugins registered: each hook returns no results."""

    def prepare_connection(self, conn) -> list:
        return []

    def register_commands(self, cli) -> list:
        return []


class _NoPlugins:
    hook = _NoHooks()

    def get_plugins(self) -> set:
        return set()

    def list_plugin_distinfo(self) -> list:
        return []


def _marker(function=None, **_options):
    return function if function is not None else (lambda f: f)


def _plugin_free_modules() -> None:
    """sqlite-utils' plugin system without pluggy and click (its CLI hook's annotation needs click.Group).

    The program opens every connection without plugins (core.db), so nothing else on the PC may hook it;
    these stand-ins say the same to sqlite-utils itself: no plugins, every hook a no-op.
    """
    if "sqlite_utils.plugins" in sys.modules:
        return
    hookspecs = types.ModuleType("sqlite_utils.hookspecs")
    hookspecs.hookspec = hookspecs.hookimpl = _marker
    plugins = types.ModuleType("sqlite_utils.plugins")
    plugins.pm = _NoPlugins()
    plugins.ensure_plugins_loaded = lambda: None
    plugins.get_plugins = lambda: []
    sys.modules["sqlite_utils.hookspecs"] = hookspecs
    sys.modules["sqlite_utils.plugins"] = plugins


def import_sqlite_utils() -> types.ModuleType:
    """Import sqlite_utils (once) with dateutil's parser, click and its module-level patterns deferred and its
    plugin system replaced by a no-plugins stand-in."""
    if "sqlite_utils" in sys.modules:
        return sys.modules["sqlite_utils"]
    for name in _DEFERRED_MODULES:
        defer_module(name)
    _plugin_free_modules()
    with deferred_patterns("sqlite_utils."):
        import sqlite_utils
    for name in ("hookspecs", "plugins"):  # as an import of the real submodules would have bound them
        setattr(sqlite_utils, name, sys.modules[f"sqlite_utils.{name}"])
    return sqlite_utils
