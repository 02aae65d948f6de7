"""PDF objects missive builds by hand (the structure tree, the metadata, the output intent),
as plain values, and their PDF syntax.

ReportLab writes the objects it knows (pages, fonts, annotations, the catalog); it has no
structure tree, marked content or output intent. The objects for those are made here as
plain Python values, independent of ReportLab, so that the modules that decide *what*
they say (`missive.render.structure`; the metadata and output intent to come) can be
tested without a document, and the writer (ReportLab's document, through the one module
that knows its internals) decides only *where* each goes: it gives every `Indirect` an
object number and resolves every `Outside` reference (a page, an annotation) to one of its
own objects.

Syntax is ISO 32000-1, 7.3: names with `#xx` escapes, text strings in PDFDocEncoding's
ASCII subset as literals or in UTF-16BE (with its byte order mark) as hex strings,
numbers as ReportLab writes them (no exponent, at most six decimals).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from missive.storage import reuse

_NAME_REGULAR = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+*,;:!?@'\"=~^`|"
)
_LITERAL_SAFE = frozenset(chr(c) for c in range(32, 127)) - frozenset("()\\")


@dataclass(frozen=True, slots=True)
class Name:
    value: str


@dataclass(frozen=True, slots=True)
class Text:
    """A text string (ISO 32000-1, 7.9.2.2): titles, alternate descriptions, languages."""

    value: str


@dataclass(frozen=True, slots=True)
class Outside:
    """An object the writer owns: `kind` "page" (`key` its index in the document, from 0)
    or "annotation" (`key` the writer's own name for it)."""

    kind: str
    key: int | str


@dataclass(frozen=True, slots=True)
class Template:
    """PDF syntax given in parts: bytes as they are, objects as their references (what
    a structure element is made of, written fast: a letter has some seventy)."""

    parts: tuple[bytes | Indirect | Outside, ...]


@dataclass(eq=False)
class Indirect:
    """An object written on its own and referred to by number (`n 0 R`)."""

    value: Value
    stream: bytes | None = None  # with a stream, `value` is its dictionary (Length added)


@dataclass(frozen=True, slots=True)
class Raw:
    """PDF syntax given as it is (a date string, a number written a particular way)."""

    syntax: bytes


Value = (
    None
    | bool
    | int
    | float
    | Name
    | Text
    | Raw
    | Template
    | Outside
    | Indirect
    | Sequence["Value"]
    | Mapping[str, "Value"]
)
Resolve = Callable[[Indirect | Outside], bytes]  # -> b"12 0 R"


@dataclass
class ObjectSet:
    """Indirect objects in the order they are to be written, each once."""

    objects: list[Indirect] = field(default_factory=list)
    _seen: set[int] = field(default_factory=set)

    def add(self, obj: Indirect) -> Indirect:
        if id(obj) not in self._seen:
            self._seen.add(id(obj))
            self.objects.append(obj)
        return obj


def number(value: float) -> bytes:
    """A real number as PDF writes it: no exponent, no trailing zeros, at most 6 decimals."""
    if isinstance(value, int) or value == int(value):
        return str(int(value)).encode("ascii")
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("-0", "") else "0").encode("ascii")


@reuse.memo(maxsize=1024)
def name(value: str) -> bytes:
    out = ["/"]
    for char in value:
        if char in _NAME_REGULAR:
            out.append(char)
        else:
            out.extend(f"#{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out).encode("ascii")


def text(value: str) -> bytes:
    """A text string: a literal when plain printable ASCII, else UTF-16BE in hex."""
    if all(char in _LITERAL_SAFE for char in value):
        return b"(" + value.encode("ascii") + b")"
    return b"<FEFF" + value.encode("utf-16-be").hex().upper().encode("ascii") + b">"


def syntax(value: Value, resolve: Resolve) -> bytes:
    """`value` written as PDF syntax; indirect objects and outside ones as references."""
    if type(value) is Template:  # a structure element: most of what is written
        parts = value.parts
        return b"".join([p if isinstance(p, bytes) else resolve(p) for p in parts])
    out: list[bytes] = []
    _write(value, resolve, out)
    return b"".join(out)


def _write(value: Value, resolve: Resolve, out: list[bytes]) -> None:
    kind = type(value)
    if kind is int:
        out.append(b"%d" % value)  # type: ignore[str-format]
    elif kind is dict:
        assert isinstance(value, dict)
        out.append(b"<<")
        for key, item in value.items():
            out.append(name(key))
            out.append(b" ")
            _write(item, resolve, out)
            out.append(b" ")
        if len(out) and out[-1] == b" ":
            out.pop()
        out.append(b">>")
    elif kind is list or kind is tuple:
        assert isinstance(value, list | tuple)
        out.append(b"[")
        for index, item in enumerate(value):
            if index:
                out.append(b" ")
            _write(item, resolve, out)
        out.append(b"]")
    elif kind is Indirect or kind is Outside:
        out.append(resolve(value))  # type: ignore[arg-type]
    elif kind is Template:
        assert isinstance(value, Template)
        for part in value.parts:
            out.append(part if type(part) is bytes else resolve(part))  # type: ignore[arg-type]
    else:
        out.append(_leaf(value, resolve))


def _leaf(value: Value, resolve: Resolve) -> bytes:
    if value is None:
        return b"null"
    if value is True:
        return b"true"
    if value is False:
        return b"false"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, Name):
        return name(value.value)
    if isinstance(value, Text):
        return text(value.value)
    if isinstance(value, Raw):
        return value.syntax
    if isinstance(value, Indirect | Outside | Template):
        return syntax(value, resolve) if isinstance(value, Template) else resolve(value)
    if isinstance(value, Mapping):
        return syntax(dict(value), resolve)
    return syntax(list(value), resolve)


def object_body(obj: Indirect, resolve: Resolve) -> bytes:
    """What goes between `n 0 obj` and `endobj`."""
    if obj.stream is None:
        return syntax(obj.value, resolve)
    assert isinstance(obj.value, Mapping)
    entries = {**obj.value, "Length": len(obj.stream)}
    return syntax(entries, resolve) + b"\nstream\n" + obj.stream + b"\nendstream"
