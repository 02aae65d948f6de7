"""requirements.lock pins every dependency pyproject.toml names (runtime and dev)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    """A requirement's project name, normalised as pip-compile writes it (PEP 503)."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def test_the_lock_pins_every_runtime_and_dev_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["dev"]}
    pinned = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith(("#", " ")):
            name, version = line.split("==")
            pinned[_name(name)] = version.split()[0]
    missing = sorted(wanted - pinned.keys())
    assert not missing, f"not in requirements.lock: {missing}; run `make lock` and commit it"
    assert pinned["reportlab"].startswith("5.1.")
