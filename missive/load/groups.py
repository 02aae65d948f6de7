"""A letter's distribution list: `groups:`, its own `group_names:` and `distribution_heading:`.

Groups are keys. The five built-in stakeholder groups are named in the catalogs; a letter
names any other group itself, per language, so another organisation's constituencies need
no change to missive.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import yaml

from missive.load.yaml_nodes import NodeReader, did_you_mean
from missive.model import Group, Language, Localized

BUILTIN_GROUPS = tuple(group.value for group in Group)
# A key is written in the recipients CSV and on the command line (--group).
_GROUP_KEY = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True)
class Distribution:
    groups: tuple[str, ...]
    names: Mapping[str, Localized]
    heading: Localized | None


def read_distribution(
    reader: NodeReader, fields: Mapping[str, yaml.Node], languages: Sequence[Language]
) -> Distribution:
    """The three keys together, since each is checked against the others."""
    names = _group_names(reader, fields.get("group_names"), languages)
    groups = _groups(reader, fields.get("groups"), names)
    heading_node = fields.get("distribution_heading")
    heading = None
    if heading_node is not None:
        heading = reader.localized(heading_node, "distribution_heading", languages)
        if "groups" not in fields:
            reader.problem(heading_node, "distribution_heading without groups: nothing to head")
    for key, key_node in _name_nodes(fields.get("group_names")):
        if key in names and key not in groups and "groups" in fields:
            reader.problem(key_node, f"group_names: '{key}' is named but not listed in groups")
    return Distribution(groups, names, heading)


def _group_names(
    reader: NodeReader, node: yaml.Node | None, languages: Sequence[Language]
) -> dict[str, Localized]:
    if node is None:
        return {}
    entries = reader.mapping(node, "group_names")
    names: dict[str, Localized] = {}
    for key, value_node in (entries or {}).items():
        if not _GROUP_KEY.fullmatch(key):
            reader.problem(
                value_node,
                f"group_names: '{key}' is not a group key (letters, digits, '-', '_', '.')",
            )
            continue
        localized = reader.localized(value_node, f"group_names.{key}", languages)
        if localized is not None:
            names[key] = localized
    return names


def _name_nodes(node: yaml.Node | None) -> list[tuple[str, yaml.Node]]:
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(str(k.value), k) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]


def _groups(reader: NodeReader, node: yaml.Node | None, names: Collection[str]) -> tuple[str, ...]:
    if node is None:
        return ()
    items = reader.sequence(node, "groups") or []
    known = sorted({*BUILTIN_GROUPS, *names})
    chosen: list[str] = []
    for item in items:
        key = reader.text(item, "groups")
        if key is None:
            continue
        if key in chosen:
            reader.problem(item, f"groups: '{key}' is listed twice")
        elif key not in known:
            hint = did_you_mean(key, known) or f"; built-in groups are {', '.join(BUILTIN_GROUPS)}"
            reader.problem(
                item, f"unknown group '{key}'{hint} (a group of your own needs group_names)"
            )
        else:
            chosen.append(key)
    return tuple(chosen)
