"""One plain path: with MISSIVE_NO_REUSE=1 nothing is kept or reused, and the bytes are
the same as with every cache, cold or warm; the caches are in one registry."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from golden_samples import golden
from render_samples import composed

from missive.model import Language
from missive.render.pdf import Renderer
from missive.storage import reuse, startcache

ROOT = Path(__file__).resolve().parent.parent

# Renders both samples in a process of its own; prints their hashes as JSON.
RENDER_SAMPLES = """
import json, sys
sys.path.insert(0, "tests")
from pathlib import Path
from golden_samples import render_samples, sha256_of
print(json.dumps(sha256_of(render_samples(Path(sys.argv[1]), jobs=int(sys.argv[2])))))
"""


def _rendered(out: Path, cache: Path, *, jobs: int = 1, plain: bool = False) -> dict[str, str]:
    env = {**os.environ, startcache.CACHE_ENV: str(cache), reuse.NO_REUSE_ENV: "1" if plain else ""}
    command = [sys.executable, "-c", RENDER_SAMPLES, str(out), str(jobs)]
    done = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    hashes: dict[str, str] = json.loads(done.stdout)
    return hashes


@pytest.mark.slow
def test_without_reuse_every_sample_is_the_golden_pdf_and_nothing_is_kept(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _rendered(tmp_path / "plain", cache, plain=True) == golden()
    assert not cache.exists() or not any(cache.iterdir())  # the start-up cache untouched


@pytest.mark.slow
def test_cold_and_warm_renders_are_the_golden_pdfs(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _rendered(tmp_path / "cold", cache) == golden()
    kinds = {path.name.split("-")[0] for path in cache.iterdir()}
    assert {"font", "layouts", "subsets"} <= kinds  # what the warm run reads
    assert _rendered(tmp_path / "warm", cache) == golden()
    assert _rendered(tmp_path / "warm-two", cache, jobs=2) == golden()


def test_clear_caches_empties_every_registered_cache() -> None:
    renderer = Renderer()
    for language in (Language.EN, Language.AR, Language.ZH, Language.EN):
        renderer.render(composed(language))
    filled = {cache.name for cache in reuse.registered() if cache.size()}
    assert {
        "missive.render.drawn.PLACED",
        "missive.render.writing.COMPRESSED",
        "missive.render.layout._shared",
        "missive.render.textflow.layout",
        "missive.render.tails.ENDINGS",
        "missive.render.fonts._drawn",
        "missive.render.fonts.subsets[NotoSans-Regular]",
        "missive.render.shaping.shape",
        "missive.render.layout._isolated",
    } <= filled
    loaded = {cache.name for cache in reuse.registered() if cache.loaded and cache.size()}
    assert {"missive.render.fonts._loaded", "missive.render.shaping.face"} <= loaded
    reuse.clear_caches()
    kept = {cache.name: cache.size() for cache in reuse.registered() if not cache.loaded}
    assert {name: size for name, size in kept.items() if size} == {}
    # What is loaded once stays loaded: it is what the files say, not a result kept.
    assert loaded == {cache.name for cache in reuse.registered() if cache.loaded and cache.size()}


# A module-level container whose contents a function changes is a cache or a state.
_CONTAINERS = {"dict", "set", "list", "OrderedDict", "defaultdict", "deque", "Counter"}
_CONTAINERS |= {"WeakKeyDictionary", "WeakValueDictionary"}
_CHANGES = {"setdefault", "update", "add", "append", "extend", "insert", "pop", "popitem"}
_CHANGES |= {"clear", "discard", "remove", "move_to_end", "appendleft"}
_FUNCTOOLS_CACHES = {"cache", "lru_cache"}
# Module-level state that is no cache, and why.
NOT_CACHES: dict[str, str] = {}


def _module_containers(tree: ast.Module) -> dict[str, int]:
    """Names bound at module level to a container, or to an object of a class the module
    defines (a table of state), by line."""
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    found = {}
    for node in tree.body:
        target, value = None, None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if not isinstance(target, ast.Name) or value is None:
            continue
        called = value.func if isinstance(value, ast.Call) else None
        name = called.id if isinstance(called, ast.Name) else getattr(called, "attr", None)
        displays = ast.Dict | ast.Set | ast.List | ast.DictComp | ast.SetComp | ast.ListComp
        if isinstance(value, displays) or name in _CONTAINERS or name in classes:
            found[target.id] = node.lineno
    return found


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _changed_in_functions(tree: ast.Module) -> set[str]:
    """Module-level names whose contents a function stores into or changes."""
    changed: set[str] = set()
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Subscript | ast.Attribute) and isinstance(
                node.ctx, ast.Store | ast.Del
            ):
                changed.add(_root(node.value) or "")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in _CHANGES:
                    changed.add(_root(node.func.value) or "")
            elif isinstance(node, ast.Global):
                changed.update(node.names)
    return changed


def _registered_names(tree: ast.Module) -> set[str]:
    """The names a `reuse.register(...)` call of the module mentions."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in ("reuse.register", "register"):
            names.update(n.id for n in ast.walk(node) if isinstance(n, ast.Name))
    return names


def caches_outside_registry(source: str, module: str) -> list[str]:
    """Where module `module` (its `source`) keeps results outside the registry
    (`storage/reuse.py`), by line: a `functools.cache` or `lru_cache` (use `reuse.memo` or
    `reuse.once`), or a module-level container that functions fill and that no
    `reuse.register` call names (use `reuse.Kept`, or register it)."""
    tree = ast.parse(source)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "functools":
            for alias in node.names:
                if alias.name in _FUNCTOOLS_CACHES:
                    found.append(f"{node.lineno} functools.{alias.name}")
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in _FUNCTOOLS_CACHES
            and ast.unparse(node.value) == "functools"
        ):
            found.append(f"{node.lineno} functools.{node.attr}")
    registered = _registered_names(tree)
    changed = _changed_in_functions(tree)
    for name, line in _module_containers(tree).items():
        if name in changed and name not in registered and f"{module}.{name}" not in NOT_CACHES:
            found.append(f"{line} {name}")
    return found


def test_every_cache_of_every_stage_is_in_the_registry() -> None:
    """A new cache anywhere in missive/ cannot slip past `clear_caches()` and the plain
    path: the registry's own module is the only one that may use functools' caches."""
    found = []
    for path in sorted((ROOT / "missive").rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts)
        if module != reuse.__name__:  # the registry's own `memo` and `once`
            source = path.read_text(encoding="utf-8")
            found += [f"{relative}:{where}" for where in caches_outside_registry(source, module)]
    assert found == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from functools import lru_cache\n", ["1 functools.lru_cache"]),
        ("import functools\nf = functools.cache(len)\n", ["2 functools.cache"]),
        ("_seen = {}\ndef see(k):\n    _seen[k] = 1\n", ["1 _seen"]),
        ("_seen: set[str] = set()\ndef see(k):\n    _seen.add(k)\n", ["1 _seen"]),
        ("class _S:\n    n = 0\n_s = _S()\ndef f():\n    _s.n += 1\n", ["3 _s"]),
        (
            "_seen = {}\nreuse.register('x', _seen.clear, _seen.__len__)\n"
            "def see(k):\n    _seen[k] = 1\n",
            [],
        ),
        ("TABLE = {'a': 1}\nTABLE.update(b=2)\n", []),  # made at import: a constant
    ],
)
def test_the_scan_finds_each_kind_of_cache(source: str, expected: list[str]) -> None:
    assert caches_outside_registry(source, "missive.example") == expected


def test_a_kept_result_is_known_by_all_the_code_it_depends_on() -> None:
    layouts = startcache.imported(["missive.render.keptlayout"])
    assert {
        "missive.model",
        "missive.render.textflow",
        "missive.render.bidi",
        "missive.render.hyphens",
        "missive.render.fonts",
    } <= layouts
    dates = startcache.imported(["missive.compose.dates", "missive.compose.kept_babel"])
    assert {"missive.compose.dates", "missive.compose.kept_babel", "missive.model"} <= dates
    assert startcache.code_fingerprint("missive.render.keptlayout") != startcache.code_fingerprint(
        "missive.render.bidi"
    )
