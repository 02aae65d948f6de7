"""Which private names of ReportLab missive's code uses, found by reading both.

A private name of ReportLab is a name starting with one underscore that ReportLab's own
code defines or reads as an attribute (`canvas._code`, `frame._x1`, `TTFont._asciiReadable`,
a method such as `BaseDocTemplate._endBuild`). missive uses one when its code

- reads or writes an attribute of that name that missive's own package does not define
  (`canvas._code`: missive defines no `_code`);
- defines it in a class that derives from a ReportLab class which has it (an override of
  `_endBuild`, or an attribute of its own that would collide with the base's);
- imports it from a ReportLab module;
- names it in a string (`getattr(flowable, "_postponed")`).

`missive/render/reportlab_seam.py` is the one module allowed to (see docs/render.md).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import textwrap
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import reportlab

ROOT = Path(__file__).resolve().parent.parent
SEAM = "missive/render/reportlab_seam.py"


def _private(name: str) -> bool:
    return len(name) > 1 and name.startswith("_") and not name.startswith("__")


def _defined(tree: ast.AST, *, stores: bool = True) -> set[str]:
    """Private names a piece of code defines: functions, classes, names it assigns, and
    (with `stores`) attributes it assigns to `self`."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif stores and _self_store(node):
            assert isinstance(node, ast.Attribute)
            found.add(node.attr)
    return {name for name in found if _private(name)}


def _self_store(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.ctx, ast.Store)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


@cache
def reportlab_names() -> frozenset[str]:
    """Every private name ReportLab's code defines or reads as an attribute."""
    names: set[str] = set()
    for path in Path(reportlab.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        names |= _defined(tree)
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        names |= {n.arg for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg}
    return frozenset(name for name in names if _private(name))


@cache
def _names_of_reportlab_class(module: str, qualname: str) -> frozenset[str]:
    """The private names a ReportLab class and its ReportLab bases define."""
    cls: Any = importlib.import_module(module)
    for part in qualname.split("."):
        cls = getattr(cls, part)
    names: set[str] = set()
    for base in inspect.getmro(cls):
        if base.__module__.startswith("reportlab"):
            try:
                source = textwrap.dedent(inspect.getsource(base))
            except (OSError, TypeError):  # a C type: nothing to read
                continue
            names |= _defined(ast.parse(source))
    return frozenset(names)


def _missive_files() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted((ROOT / "missive").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        yield relative, ast.parse(path.read_text(encoding="utf-8"))


def _named(node: ast.AST, names: set[str] | frozenset[str]) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in names


def _package(relative: str) -> str:
    parts = relative.split("/")
    return parts[1] if len(parts) > 2 else ""


def _reportlab_bases(relative: str, node: ast.ClassDef) -> frozenset[str]:
    """The private names of the ReportLab classes `node` derives from (resolved at run
    time through the module that defines it)."""
    module = importlib.import_module(relative.removesuffix(".py").replace("/", "."))
    cls = getattr(module, node.name, None)
    if not isinstance(cls, type):
        return frozenset()
    names: set[str] = set()
    for base in inspect.getmro(cls)[1:]:
        if base.__module__.startswith("reportlab"):
            names |= _names_of_reportlab_class(base.__module__, base.__qualname__)
    return frozenset(names)


def _other_modules(tree: ast.Module) -> set[str]:
    """Names a file binds to a module other than ReportLab's (`import re`): their
    attributes, and the attributes of those (`re._compiler._code`), are not ReportLab's."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if not alias.name.startswith("reportlab"):
                    found.add(alias.asname or alias.name.split(".")[0])
    return found


def _of_other_module(node: ast.Attribute, modules: set[str]) -> bool:
    root: ast.expr = node
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in modules


def _asked_of_other_modules(tree: ast.Module, modules: set[str]) -> set[int]:
    """The ids of the names asked of such a module by `getattr(re, "_cache", None)`."""
    found = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id in modules
        ):
            found.add(id(node.args[1]))
    return found


def private_uses(*, skip: str | None = SEAM) -> Counter[tuple[str, str]]:
    """(file, name) -> how many times missive's code outside `skip` uses a private name
    of ReportLab."""
    files = [(rel, tree) for rel, tree in _missive_files() if rel != skip]
    theirs = reportlab_names()
    owned: dict[str, set[str]] = {}
    uses: Counter[tuple[str, str]] = Counter()
    for relative, tree in files:
        own = owned.setdefault(_package(relative), set())
        own |= _defined(tree, stores=False)  # functions, classes, module names
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef):
                continue
            inherited = _reportlab_bases(relative, node)
            defined = _defined(node)
            own |= defined - inherited
            for name in sorted(defined & inherited):
                uses[relative, name] += 1
    for relative, tree in files:
        own = owned[_package(relative)]
        modules = _other_modules(tree)
        asked = _asked_of_other_modules(tree, modules)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in theirs and node.attr not in own:
                if not _of_other_module(node, modules):
                    uses[relative, node.attr] += 1
            elif _named(node, theirs - own) and id(node) not in asked:  # getattr(x, "_name")
                assert isinstance(node, ast.Constant)
                uses[relative, str(node.value)] += 1
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportlab"):
                uses.update((relative, a.name) for a in node.names if _private(a.name))
    return uses
