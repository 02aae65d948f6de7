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
    } <= filled
    reuse.clear_caches()
    assert {cache.name: cache.size() for cache in reuse.registered() if cache.size()} == {}


# Functions whose cache is loading, not reuse: a font registered with ReportLab, a parsed
# hyphenation dictionary, a language's compiled break rules, the fingerprints of code and
# files, each made once per process.
LOADED_ONCE = {
    *("_loaded", "_cmap", "_dictionary", "_rules"),
    *("_fingerprint", "_versions", "_source_digest"),
}


@pytest.mark.parametrize("package", ["render", "storage"])
def test_results_are_kept_only_through_the_registry(package: str) -> None:
    """No `functools.cache` or `lru_cache` outside the registry's `memo` (which the
    registry empties and MISSIVE_NO_REUSE turns off), but for loading once."""
    unregistered = []
    for path in sorted((ROOT / "missive" / package).glob("*.py")):
        if path.name == "reuse.py":  # the registry's own `memo`
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            uses = [n for n in ast.walk(node) if isinstance(n, ast.Name | ast.Attribute)]
            names = {n.id if isinstance(n, ast.Name) else n.attr for n in uses}
            if isinstance(node, ast.FunctionDef) and node.name not in LOADED_ONCE:
                decorators = {ast.unparse(d).split("(")[0] for d in node.decorator_list}
                if decorators & {"cache", "lru_cache", "functools.cache"}:
                    unregistered.append(f"{path.name}:{node.lineno} {node.name}")
            elif isinstance(node, ast.Assign) and "lru_cache" in names:
                unregistered.append(f"{path.name}:{node.lineno}")
    assert not unregistered


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
