"""Signatory files -> `Signatory`, and the project-root rule for relative paths.

Relative paths in a letter (templates_dir, recipients, signatories_dir, logo) and in a
signatory file (signature_image) are resolved against the *project root*: the parent of
the folder that holds the file. `letters/x.yaml` and `signatories/y.yaml` therefore both
name `templates/` and `recipients/...` the same way, wherever the command is run from.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path

import yaml

from missive.errors import InputError
from missive.load.yaml_nodes import NodeReader, compose_document
from missive.model import Gender, Language, Signatory


class SignatoryGender(StrEnum):
    """A signatory's name takes the courtesy title of one of these (`Gender` less
    `unspecified`, which has no courtesy title: leave `gender:` out instead)."""

    FEMALE = "female"
    MALE = "male"


def project_root(file_path: Path) -> Path:
    """The parent of the folder holding `file_path` (see the module docstring)."""
    folder = file_path.parent
    if folder == Path("."):
        return Path.cwd().parent
    return folder.parent


def resolve(root: Path, text: str) -> Path:
    # Lexical normalisation keeps messages short ("templates/x", not "letters/../templates/x").
    return Path(os.path.normpath(root / text))


def named_path(file_path: Path, key: str) -> Path | None:
    """The path a YAML file names under its top-level `key` (a letter's `recipients`),
    resolved as its loader would, read even when the file has other problems; None if it
    names none or cannot be read."""
    node = compose_document(file_path, [])
    if not isinstance(node, yaml.MappingNode):
        return None
    for name, value in node.value:
        if name.value == key and isinstance(value, yaml.ScalarNode) and value.value:
            return resolve(project_root(file_path), str(value.value))
    return None


def load_signatory(path: Path, languages: Sequence[Language] = tuple(Language)) -> Signatory:
    """Read one signatory file; each of `languages` needs a name, title and organisation."""
    reader = NodeReader(path)
    signatory = read_signatory(reader, path, languages)
    if reader.problems or signatory is None:
        raise InputError(reader.problems)
    return signatory


def read_signatory(
    reader: NodeReader, path: Path, languages: Sequence[Language]
) -> Signatory | None:
    node = compose_document(path, reader.problems)
    if node is None:
        return None
    fields = reader.mapping(
        node,
        "signatory",
        required=("name", "title", "organization"),
        optional=("signature_image", "gender"),
    )
    if fields is None:
        return None
    texts = {
        key: reader.localized(fields[key], key, languages)
        for key in ("name", "title", "organization")
        if key in fields
    }
    image = None
    if "signature_image" in fields:
        image = existing_file(reader, fields["signature_image"], "signature_image", path)
    gender = None
    if "gender" in fields:
        gender = reader.choice(fields["gender"], "gender", SignatoryGender)
    name, title, organization = (texts.get(k) for k in ("name", "title", "organization"))
    if name is None or title is None or organization is None:
        return None
    courtesy = None if gender is None else Gender(gender.value)
    return Signatory(path.stem, name, title, organization, image, courtesy)


def existing_file(reader: NodeReader, node: yaml.Node, what: str, owner: Path) -> Path | None:
    text = reader.text(node, what)
    if text is None:
        return None
    path = resolve(project_root(owner), text)
    if not path.is_file():
        reader.problem(node, f"{what}: file not found '{path}'")
        return None
    return path
