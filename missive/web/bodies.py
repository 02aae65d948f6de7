"""Reading what a client sends: JSON bodies and numbers in paths, checked at the boundary.

A JSON body must be sent as `application/json` (415 otherwise: a cross-site form cannot),
be UTF-8, nest at most `MAX_DEPTH` deep (checked before parsing, which recurses), and hold
only strings that are valid Unicode (no lone surrogate: it could be stored, but never
written out again) and finite numbers a 64-bit integer or a double holds. Anything else is
a 4xx with a problem document, never a 500.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.requests import Request

from missive.errors import NotFoundError
from missive.web.errors import MalformedRequestError, UnsupportedMediaError

MAX_DEPTH = 8
LARGEST_INTEGER = 2**53  # JSON's interoperable integers (RFC 8259, section 6)
LARGEST_ID = 2**63 - 1  # SQLite's integers


async def json_object(request: Request) -> dict[str, Any]:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json":
        raise UnsupportedMediaError("send the body as application/json")
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedRequestError(f"the body is not UTF-8 (byte {exc.start})") from exc
    check_depth(text)
    try:
        body = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedRequestError(f"the body is not JSON: {exc}") from exc
    check_values(body, "body")
    if not isinstance(body, dict):
        raise MalformedRequestError("the body must be a JSON object")
    return body


def check_depth(text: str, limit: int = MAX_DEPTH) -> None:
    """Refuse arrays and objects nested deeper than `limit`, without recursing."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                raise MalformedRequestError(f"the body nests deeper than {limit} levels")
        elif char in "]}":
            depth -= 1


def check_values(value: object, where: str) -> None:
    """Every string valid Unicode, every number finite and in range."""
    if isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > LARGEST_INTEGER:
            raise MalformedRequestError(f"{where}: the number is out of range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise MalformedRequestError(f"{where}: the number is out of range")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_values(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, where)
            check_values(item, f"{where}.{key[:40]}")


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedRequestError(
            f"{where}: not valid Unicode (a lone surrogate at {exc.start})"
        ) from exc


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a JSON number")


def path_id(request: Request, name: str = "id") -> int:
    """An integer from the path that the journal can hold, else 404."""
    value: int = request.path_params[name]
    if not 0 < value <= LARGEST_ID:
        raise NotFoundError(f"no job {value}")
    return value
