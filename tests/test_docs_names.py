"""Docs that cannot go stale: every module path and `python -m` command they name resolves.

Read: README.md, docs/*.md, the READMEs of letters/, templates/ and recipients/ (not
CHANGELOG.md: it is history, and names what was there then), and the docstrings of every
module, class and function of missive/. A dotted name `missive.x.y.z` must be a module,
or a module followed by attributes that exist; a file path `missive/x/y.py` must be a
file; `python -m NAME` must be runnable (a package with `__main__`, or a module that runs
itself when `__name__ == "__main__"`).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *(ROOT / folder / "README.md" for folder in ("letters", "templates", "recipients")),
]
# A name, not a file: no slash, word or dot before it (out/missive.sqlite is a file).
DOTTED = re.compile(r"(?<![/\w.-])missive(?:\.[A-Za-z_]\w*)+")
FILE = re.compile(r"(?<![/\w.-])missive/[\w/]+\.py\b")
RUN = re.compile(r"\bpython3? -m ([A-Za-z_][\w.]*)")
# Files named after the package, not modules: the gettext domain's catalogs.
NOT_MODULES = {"missive.po", "missive.pot", "missive.mo"}


def places() -> Iterator[tuple[str, str]]:
    """(where, text) for every doc and every docstring of missive/."""
    for path in DOCS:
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "missive").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
            if isinstance(node, kinds) and (doc := ast.get_docstring(node)):
                line = getattr(node, "lineno", 1)
                yield f"{path.relative_to(ROOT)}:{line}", doc


def resolves(name: str) -> bool:
    """`missive.a.b.c`: the longest importable prefix, then attributes for the rest."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            found = importlib.util.find_spec(module_name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            continue
        value: object = importlib.import_module(module_name)
        for attribute in parts[cut:]:
            if not hasattr(value, attribute):
                return False
            value = getattr(value, attribute)
        return True
    return False


def runs(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    if spec is None:
        return False
    if spec.submodule_search_locations is not None:  # a package: needs its __main__
        return importlib.util.find_spec(f"{name}.__main__") is not None
    if not name.startswith("missive"):
        return True  # a tool's module (pytest, cProfile): found is enough
    assert spec.origin is not None
    return '__name__ == "__main__"' in Path(spec.origin).read_text(encoding="utf-8")


def named() -> Iterator[tuple[str, str, str]]:
    for where, text in places():
        for name in DOTTED.findall(text):
            if name not in NOT_MODULES:
                yield where, "name", name.rstrip(".")
        for path in FILE.findall(text):
            yield where, "file", path
        for module in RUN.findall(text):
            yield where, "python -m", module.rstrip(".")


def test_the_docs_name_things_at_all() -> None:
    kinds = {kind for _, kind, _ in named()}
    assert kinds == {"name", "file", "python -m"}


@pytest.mark.parametrize(("where", "kind", "name"), sorted(set(named())), ids=str)
def test_what_the_docs_name_exists(where: str, kind: str, name: str) -> None:
    if kind == "name":
        assert resolves(name), f"{where} names {name}, which does not resolve"
    elif kind == "file":
        assert (ROOT / name).is_file(), f"{where} names {name}, which is not a file"
    else:
        assert runs(name), f"{where} says `python -m {name}`, which does not run"
