"""The OpenAPI description of /api/v1/, served at /api/v1/openapi.json (tests keep it true)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

LANGUAGES = ["ar", "zh", "en", "fr", "ru", "es"]
CSRF = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": "the csrf_token returned by POST /api/v1/session",
}
KEY = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"},
    "description": "a letter's key: the stem of its YAML file in letters/",
}
JOB_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
SESSION_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _reply(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _problem(description: str) -> dict[str, Any]:
    content = {"application/problem+json": {"schema": _ref("Problem")}}
    return {"description": description, "content": content}


ERRORS = {
    "400": _problem("the body is not JSON, not UTF-8, not valid Unicode, too deep or out of range"),
    "401": _problem("no valid session (or, for /session, a wrong name or password)"),
    "403": _problem("the role, the language or the CSRF token does not allow it"),
    "404": _problem("no such letter, job or session"),
    "409": _problem("not possible in the current state (e.g. cancel a job that ran)"),
    "413": _problem("the body is over the server's limit"),
    "415": _problem("the body is not sent as application/json"),
    "422": _problem("a field is missing, of the wrong type or an unknown value"),
    "429": _problem("too many failed logins for this name or address; see Retry-After"),
}
BODY_ERRORS = ("400", "413", "415")


def _operation(
    summary: str,
    ok: tuple[str, str, str],
    *,
    params: Sequence[dict[str, Any]] = (),
    body: str | None = None,
    errors: Sequence[str] = ("401", "404"),
) -> dict[str, Any]:
    code, description, schema = ok
    success = _reply(description, schema) if schema else {"description": description}
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": list(params),
        "responses": {code: success, **{e: ERRORS[e] for e in errors}},
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
        operation["responses"].update({e: ERRORS[e] for e in BODY_ERRORS})
    return operation


def _object(properties: dict[str, Any], required: Sequence[str] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


STRING = {"type": "string"}
NULLABLE_STRING = {"type": ["string", "null"]}
INTEGER = {"type": "integer"}
ANY_OBJECT = {"type": "object"}
STRINGS = {"type": "array", "items": STRING}

SCHEMAS: dict[str, Any] = {
    # RFC 9457; `problems` lists an input error's located problems.
    "Problem": _object(
        {
            "type": STRING,
            "title": STRING,
            "status": INTEGER,
            "detail": STRING,
            "problems": STRINGS,
            # A decision at a stale hash (409): the hash named, the current one (null while
            # the language renders again) and the files and PDFs that changed since.
            "language": STRING,
            "hash": STRING,
            "current_hash": {"type": ["string", "null"]},
            "rendering": {"type": "boolean"},
            "changed": STRINGS,
        },
        ["type", "title", "status", "detail"],
    ),
    "Credentials": _object({"username": STRING, "password": STRING}, ["username", "password"]),
    "Session": _object(
        {"csrf_token": STRING, "session": STRING, "user": ANY_OBJECT}, ["csrf_token", "session"]
    ),
    "SessionInfo": _object(
        {
            "id": STRING,
            "user": STRING,
            "address": STRING,
            "created_at": STRING,
            "last_seen_at": STRING,
            "expires_at": STRING,
        },
        ["id", "user", "address", "created_at", "last_seen_at", "expires_at"],
    ),
    "Sessions": _object(
        {"sessions": {"type": "array", "items": _ref("SessionInfo")}}, ["sessions"]
    ),
    "Render": _object(
        {
            "state": {"type": "string", "enum": ["queued", "rendering", "done", "failed"]},
            "done": INTEGER,
            "total": INTEGER,
            "rate_per_second": {"type": "number"},
            "eta_seconds": {"type": ["integer", "null"]},
            "languages": {
                "type": "object",
                "additionalProperties": _object({"done": INTEGER, "total": INTEGER}),
            },
        },
        ["state", "done", "total"],
    ),
    "LanguageApproval": _object(
        {
            "state": STRING,
            "approved_by": STRINGS,
            "rejected_by": {"type": "array", "items": ANY_OBJECT},
            "changed": STRINGS,
            "hash": {
                "type": "string",
                "description": "the language hash a decision binds to; absent until rendered",
            },
        },
        ["state"],
    ),
    "Letter": _object(
        {
            "key": STRING,
            "check": _object(
                {
                    "ok": {"type": "boolean"},
                    "state": {"type": "string", "enum": ["pending", "done"]},
                    "problems": STRINGS,
                }
            ),
            "render": _ref("Render"),
            "recipients": INTEGER,
            "counts": {"type": "array", "items": ANY_OBJECT},
            "batch_hash": {"type": "string", "description": "empty until every language renders"},
            "reviewers_required": INTEGER,
            "approvals": {"type": "object", "additionalProperties": _ref("LanguageApproval")},
            "jobs": {"type": "array", "items": _ref("Job")},
            "send": _ref("Progress"),
        },
        ["key", "check", "render", "batch_hash", "approvals"],
    ),
    "Letters": _object({"letters": {"type": "array", "items": _ref("Letter")}}, ["letters"]),
    "Decision": _object(
        {
            "language": {"type": "string", "enum": LANGUAGES},
            "decision": {"type": "string", "enum": ["approve", "reject"]},
            "comment": STRING,
            "hash": {
                "type": "string",
                "description": "the language hash the reviewer saw (approvals.<language>.hash)",
            },
        },
        ["language", "decision", "hash"],
    ),
    "Approval": _object(
        {
            "letter": STRING,
            "language": STRING,
            "reviewer": STRING,
            "decision": STRING,
            "comment": STRING,
            "language_hash": STRING,
            "batch_hash": STRING,
            "decided_at": STRING,
        }
    ),
    "JobRequest": _object(
        {
            "at": {"type": "string", "description": "YYYY-MM-DD HH:MM or ISO 8601; absent: now"},
            "tz": {"type": "string", "default": "UTC"},
            "relay": {
                "type": "string",
                "pattern": "^[a-z][a-z0-9_-]{0,31}$",
                "description": "a relay named in the worker's configuration; absent: its default",
            },
            "languages": {"type": "array", "items": {"type": "string", "enum": LANGUAGES}},
            "groups": STRINGS,
            "limit": {"type": "integer", "minimum": 1, "maximum": 10_000_000},
            "rate": {"type": "string", "example": "600/min"},
            "window": {"type": "string", "example": "08:00-18:00"},
            "to_self": {"type": "string", "description": "one sample per language to this address"},
            "resend_ambiguous": {"type": "boolean"},
            "confirm": {
                "type": "boolean",
                "description": "true, with resend_ambiguous: the messages may have arrived",
            },
        },
    )
    | {"additionalProperties": False},
    "Job": _object(
        {
            "id": INTEGER,
            "letter": STRING,
            "state": STRING,
            "due_at": STRING,
            "tz": STRING,
            "options": STRINGS,
            "worker": NULLABLE_STRING,
            "error": NULLABLE_STRING,
        }
    ),
    "Jobs": _object({"jobs": {"type": "array", "items": _ref("Job")}}, ["jobs"]),
    "Progress": _object(
        {
            "batch": NULLABLE_STRING,
            "total": INTEGER,
            "sent": INTEGER,
            "failed": INTEGER,
            "held": INTEGER,
            "states": ANY_OBJECT,
            "rate_per_minute": {"type": "number"},
            "eta_seconds": {"type": ["integer", "null"]},
            "failures": {"type": "array", "items": ANY_OBJECT},
        }
    ),
}

SCHEMA: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "missive workspace API", "version": "1"},
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": "missive_session"}
        },
    },
    "security": [{"session": []}],
    "paths": {
        "/api/v1/session": {
            "post": {
                **_operation(
                    "log in: sets the session cookie, returns the CSRF token",
                    ("200", "logged in", "Session"),
                    body="Credentials",
                    errors=("401", "422", "429"),
                ),
                "security": [],
            },
            "delete": _operation(
                "log out: the session ends on the server at once",
                ("204", "logged out", ""),
                params=[CSRF],
                errors=("401", "403"),
            ),
        },
        "/api/v1/sessions": {
            "get": _operation(
                "the sessions in force (admins)",
                ("200", "the sessions", "Sessions"),
                errors=("401", "403"),
            )
        },
        "/api/v1/sessions/{id}/revoke": {
            "post": _operation(
                "end a session at once (admins)",
                ("200", "the session ended", "SessionInfo"),
                params=[SESSION_ID, CSRF],
                errors=("401", "403", "404"),
            )
        },
        "/api/v1/letters": {
            "get": _operation(
                "every letter with its check, counts and approvals",
                ("200", "the letters", "Letters"),
                errors=("401",),
            )
        },
        "/api/v1/letters/{key}": {
            "get": _operation(
                "one letter: check, counts, hash, approvals, jobs, send state",
                ("200", "the letter", "Letter"),
                params=[KEY],
            )
        },
        "/api/v1/letters/{key}/approvals": {
            "post": _operation(
                "approve or reject one language (reviewers of that language) at the hash"
                " seen; 409 if it is not the language's current hash, or it is rendering",
                ("201", "the decision recorded", "Approval"),
                params=[KEY, CSRF],
                body="Decision",
                errors=("401", "403", "404", "409", "422"),
            )
        },
        "/api/v1/letters/{key}/jobs": {
            "post": _operation(
                "schedule a send of the letter (operators); the worker runs it",
                ("201", "the job", "Job"),
                params=[KEY, CSRF],
                body="JobRequest",
                errors=("401", "403", "404", "409", "422"),
            )
        },
        "/api/v1/letters/{key}/status": {
            "get": _operation(
                "the send of the letter: counts, rate, ETA, failures",
                ("200", "progress", "Progress"),
                params=[KEY],
            )
        },
        "/api/v1/jobs": {
            "get": _operation("every scheduled send", ("200", "the jobs", "Jobs"), errors=("401",))
        },
        "/api/v1/jobs/{id}/cancel": {
            "post": _operation(
                "cancel a queued or held job (operators)",
                ("200", "the job", "Job"),
                params=[JOB_ID, CSRF],
                errors=("401", "403", "404", "409"),
            )
        },
        "/api/v1/jobs/{id}/release": {
            "post": _operation(
                "release a held job (operators)",
                ("200", "the job", "Job"),
                params=[JOB_ID, CSRF],
                errors=("401", "403", "404", "409"),
            )
        },
        "/api/v1/openapi.json": {
            "get": {
                "summary": "this description",
                "security": [],
                "responses": {"200": {"description": "the OpenAPI document"}},
            }
        },
    },
}
