"""Strict reading of YAML documents that keeps every value's position in the file.

PyYAML's `compose` gives a node tree whose nodes carry marks; the schema readers of
`load_letter` walk it and record every problem instead of stopping at the first, so the
secretariat sees all of them at once.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Collection, Sequence
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml

from missive.errors import Problem
from missive.model import Language

NULL_TAG = "tag:yaml.org,2002:null"
INT_TAG = "tag:yaml.org,2002:int"
E = TypeVar("E", bound=StrEnum)
LANGUAGE_CODES = ", ".join(language.value for language in Language)


def enum_hint(value: str, enum: type[StrEnum]) -> str:
    """ "; did you mean 'x'?" or the list of what is accepted, for an unknown enum value."""
    names = [member.value for member in enum]
    return did_you_mean(value, names) or f"; expected one of {', '.join(names)}"


def did_you_mean(word: str, choices: Collection[str]) -> str:
    """The ", did you mean 'x'?" suffix for a misspelt name, or "" if nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f", did you mean '{close[0]}'?" if close else ""


def compose_document(path: Path, problems: list[Problem]) -> yaml.Node | None:
    """The node tree of the one YAML document in `path`, or None after recording why not."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        problems.append(Problem(path, 1, 1, "file not found"))
        return None
    except UnicodeDecodeError as exc:
        line = exc.object[: exc.start].count(b"\n") + 1
        problems.append(Problem(path, line, 1, "not valid UTF-8 text"))
        return None
    except OSError as exc:
        problems.append(Problem(path, 1, 1, f"cannot read file: {exc.strerror}"))
        return None
    try:
        node = _compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problems.append(Problem(path, line, col, f"malformed YAML: {exc.problem or exc.context}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(path, 1, 1, f"malformed YAML: {exc}"))
        return None
    if node is None:
        problems.append(Problem(path, 1, 1, "the file is empty"))
    return node


def _compose(text: str) -> yaml.Node | None:
    """The node tree, by libyaml where PyYAML was built with it (about three times faster:
    a letter and its signatories are composed by every command). A text libyaml refuses is
    read again by PyYAML's own reader, whose messages and positions are the ones reported."""
    try:
        return yaml.compose(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.compose(text, Loader=yaml.SafeLoader)


_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class NodeReader:
    """Typed accessors over YAML nodes that record located problems and return None."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.path, mark.line + 1, mark.column + 1, message))

    def mapping(
        self,
        node: yaml.Node,
        what: str,
        *,
        required: Collection[str] = (),
        optional: Collection[str] = (),
    ) -> dict[str, yaml.Node] | None:
        """The keys of a mapping node; unknown, duplicate and missing keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return None
        allowed = set(required) | set(optional)
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                self.problem(key_node, f"{what}: a key must be a plain name")
            elif key in found:
                self.problem(key_node, f"{what}: duplicate key '{key}'")
            elif allowed and key not in allowed:
                self.problem(key_node, f"unknown key '{key}'{did_you_mean(key, allowed)}")
            else:
                found[key] = value_node
        for key in required:
            if key not in found:
                self.problem(node, f"{what}: missing key '{key}'")
        return found

    def text(self, node: yaml.Node, what: str) -> str | None:
        """A non-empty scalar, as written (numbers and dates are taken as text)."""
        if not isinstance(node, yaml.ScalarNode) or node.tag == NULL_TAG:
            self.problem(node, f"{what} must be a text")
            return None
        value = str(node.value)
        if not value.strip():
            self.problem(node, f"{what} must not be empty")
            return None
        return value

    def date(self, node: yaml.Node, what: str) -> dt.date | None:
        value = self.text(node, what)
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(node, f"{what} must be a date written YYYY-MM-DD, not '{value}'")
            return None

    def integer(self, node: yaml.Node, what: str, *, minimum: int) -> int | None:
        if not isinstance(node, yaml.ScalarNode) or node.tag != INT_TAG:
            self.problem(node, f"{what} must be a whole number")
            return None
        try:
            number = int(str(node.value).replace("_", ""), 10)
        except ValueError:  # YAML 1.1 octal, hex or sexagesimal: not what anyone means here
            self.problem(node, f"{what} must be a whole number written in decimal")
            return None
        if number < minimum:
            self.problem(node, f"{what} must be at least {minimum}")
            return None
        return number

    def choice(self, node: yaml.Node, what: str, enum: type[E], noun: str = "") -> E | None:
        """One value of `enum`; `noun` names it in messages ("unknown language 'de'")."""
        value = self.text(node, what)
        if value is None:
            return None
        try:
            return enum(value)
        except ValueError:
            self.problem(node, f"unknown {noun or what} '{value}'{enum_hint(value, enum)}")
            return None

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node] | None:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} must be a list")
            return None
        if not node.value:
            self.problem(node, f"{what} must not be empty")
            return None
        return list(node.value)

    def unique_choices(
        self, node: yaml.Node, what: str, enum: type[E], noun: str
    ) -> tuple[E, ...] | None:
        """A non-empty list of distinct enum values, e.g. the languages offered."""
        items = self.sequence(node, what)
        if items is None:
            return None
        chosen: list[E] = []
        for item in items:
            value = self.choice(item, what, enum, noun)
            if value is not None and value in chosen:
                self.problem(item, f"{what}: '{value}' is listed twice")
            elif value is not None:
                chosen.append(value)
        return tuple(chosen)

    def localized(
        self, node: yaml.Node, what: str, languages: Sequence[Language]
    ) -> dict[Language, str] | None:
        """Text per language; every language in `languages` must have one."""
        entries = self.mapping(node, what)
        if entries is None:
            return None
        result: dict[Language, str] = {}
        for code, value_node in entries.items():
            try:
                language = Language(code)
            except ValueError:
                self.problem(
                    value_node,
                    f"{what}: unknown language '{code}'; expected one of {LANGUAGE_CODES}",
                )
                continue
            value = self.text(value_node, f"{what}.{code}")
            if value is not None:
                result[language] = value
        for language in languages:
            if language.value not in entries:
                self.problem(node, f"{what}: missing translation for '{language.value}'")
        return result

    def text_mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[str, yaml.Node]] | None:
        """Free names to texts (links, variables), each with its node for later checks."""
        entries = self.mapping(node, what)
        if entries is None:
            return None
        result: dict[str, tuple[str, yaml.Node]] = {}
        for name, value_node in entries.items():
            if not name.isidentifier():
                self.problem(value_node, f"{what}: '{name}' is not usable as a template name")
                continue
            value = self.text(value_node, f"{what}.{name}")
            if value is not None:
                result[name] = (value, value_node)
        return result
