"""The JSON API under /api/v1/: parse the request, call a use case, present the result.

Every state-changing request needs a session and its CSRF token in `X-CSRF-Token`.
Errors become statuses in `errors.py`; the schema of it all is in `openapi.py`.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from missive.access.sessions import Session
from missive.app import Approval, Decision, Job, parse_due
from missive.app.letters import LetterSummary, RenderProgress
from missive.app.operations import SendJobRequest, SendProgress
from missive.app.people import list_sessions, log_in, log_out, revoke_session, start_session
from missive.errors import PermissionDeniedError, ScheduleError
from missive.model import Language
from missive.web.bodies import json_object, path_id
from missive.web.context import (
    CSRF_HEADER,
    Visitor,
    client_address,
    end_session_cookie,
    services,
    set_session_cookie,
    visitor,
)
from missive.web.errors import BadRequestError, NotLoggedInError
from missive.web.openapi import SCHEMA

MAX_LIMIT = 10_000_000
DECISIONS = {"approve": Decision.APPROVED, "reject": Decision.REJECTED}


async def create_session(request: Request) -> Response:
    body = await json_object(request)
    username, password = _text(body, "username"), _text(body, "password")
    found = services(request)
    config = found.config
    address = client_address(request)
    # An argon2 check takes a few hundred ms: in a worker thread, not on the event loop.
    user = await run_in_threadpool(
        log_in, config.journal_path, username, password, address, found.now()
    )
    token, session = await run_in_threadpool(
        start_session, config.journal_path, user, address, found.now(), config.policy
    )
    response = JSONResponse(
        {
            "csrf_token": session.csrf_token,
            "session": session.id,
            "user": _user(user.name, user.role.value, user.languages),
        }
    )
    set_session_cookie(response, request, token)
    return response


async def end_session(request: Request) -> Response:
    """Log out: the session ends on the server at once, whatever the client keeps."""
    who = _changing(request)
    found = services(request)
    assert who.session is not None
    log_out(found.config.journal_path, who.session, who.origin, found.now())
    response = Response(status_code=204)
    end_session_cookie(response, request)
    return response


async def sessions(request: Request) -> Response:
    who = _logged_in(request)
    found = services(request)
    config = found.config
    live = list_sessions(config.journal_path, who.actor, found.now(), config.policy)
    return JSONResponse({"sessions": [_session(s) for s in live]})


async def revoke(request: Request) -> Response:
    who = _changing(request)
    found = services(request)
    session_id = request.path_params["id"]
    ended = revoke_session(
        found.config.journal_path, who.actor, session_id, who.origin, found.now()
    )
    return JSONResponse(_session(ended))


def letters(request: Request) -> Response:
    # A plain function: Starlette runs it in a worker thread, off the event loop.
    who = _logged_in(request)
    shelf = services(request).shelf
    return JSONResponse({"letters": [_summary(s) for s in shelf.overview(who.actor)]})


def letter(request: Request) -> Response:
    # A plain function: Starlette runs it in a worker thread, off the event loop.
    who = _logged_in(request)
    found = services(request)
    key = request.path_params["key"]
    summary = found.shelf.summary(who.actor, key)
    progress = found.operations.progress(who.actor, key, found.now())
    jobs = found.operations.jobs(who.actor, key)
    return JSONResponse(
        {**_summary(summary), "jobs": [_job(j) for j in jobs], "send": _progress(progress)}
    )


async def approvals(request: Request) -> Response:
    who = _changing(request)
    body = await json_object(request)
    language = _language(_text(body, "language"), "language")
    decision = DECISIONS.get(_text(body, "decision"))
    if decision is None:
        raise BadRequestError("decision: approve or reject")
    comment = body.get("comment", "")
    if not isinstance(comment, str):
        raise BadRequestError("comment: a string")
    # The language hash the reviewer saw (GET /letters/{key}: approvals.<language>.hash).
    seen = _text(body, "hash")
    found = services(request)
    row = await run_in_threadpool(
        partial(found.operations.decide, seen_hash=seen),
        who.actor,
        request.path_params["key"],
        language,
        decision,
        comment,
        who.origin,
        found.now(),
    )
    return JSONResponse(_approval(row), status_code=201)


async def schedule_job(request: Request) -> Response:
    who = _changing(request)
    body = await json_object(request)
    job_request = _send_job(request.path_params["key"], body)
    found = services(request)
    job = found.operations.schedule(who.actor, job_request, who.origin, found.now())
    return JSONResponse(_job(job), status_code=201)


async def list_jobs(request: Request) -> Response:
    who = _logged_in(request)
    return JSONResponse({"jobs": [_job(j) for j in services(request).operations.jobs(who.actor)]})


async def cancel_job(request: Request) -> Response:
    who = _changing(request)
    found = services(request)
    job = found.operations.cancel(who.actor, path_id(request), who.origin, found.now())
    return JSONResponse(_job(job))


async def release_job(request: Request) -> Response:
    who = _changing(request)
    found = services(request)
    job = found.operations.release(who.actor, path_id(request), who.origin, found.now())
    return JSONResponse(_job(job))


async def letter_status(request: Request) -> Response:
    who = _logged_in(request)
    found = services(request)
    progress = found.operations.progress(who.actor, request.path_params["key"], found.now())
    return JSONResponse(_progress(progress))


async def openapi(request: Request) -> Response:
    return JSONResponse(SCHEMA)


ROUTES = [
    Route("/api/v1/openapi.json", openapi, methods=["GET"]),
    Route("/api/v1/session", create_session, methods=["POST"]),
    Route("/api/v1/session", end_session, methods=["DELETE"]),
    Route("/api/v1/sessions", sessions, methods=["GET"]),
    Route("/api/v1/sessions/{id}/revoke", revoke, methods=["POST"]),
    Route("/api/v1/letters", letters, methods=["GET"]),
    Route("/api/v1/letters/{key}", letter, methods=["GET"]),
    Route("/api/v1/letters/{key}/approvals", approvals, methods=["POST"]),
    Route("/api/v1/letters/{key}/jobs", schedule_job, methods=["POST"]),
    Route("/api/v1/letters/{key}/status", letter_status, methods=["GET"]),
    Route("/api/v1/jobs", list_jobs, methods=["GET"]),
    Route("/api/v1/jobs/{id:int}/cancel", cancel_job, methods=["POST"]),
    Route("/api/v1/jobs/{id:int}/release", release_job, methods=["POST"]),
]


# --- parsing ------------------------------------------------------------------------


def _logged_in(request: Request) -> Visitor:
    who = visitor(request)
    if who.actor is None:
        raise NotLoggedInError()
    return who


def _changing(request: Request) -> Visitor:
    """A logged-in visitor whose request carries the session's CSRF token."""
    who = _logged_in(request)
    if not who.csrf_ok(request.headers.get(CSRF_HEADER)):
        name = who.actor.name if who.actor else "anonymous"
        raise PermissionDeniedError(name, "change anything without a valid CSRF token")
    return who


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequestError(f"{name}: a non-empty string is required")
    return value


def _language(value: str, name: str) -> Language:
    try:
        return Language(value)
    except ValueError as exc:
        raise BadRequestError(f"{name}: one of {', '.join(m.value for m in Language)}") from exc


JOB_FIELDS = frozenset(
    {"at", "tz", "relay", "languages", "groups", "limit", "rate", "window", "to_self"}
    | {"resend_ambiguous", "confirm"}
)


def _send_job(key: str, body: dict[str, Any]) -> SendJobRequest:
    """The job a request asks for; what the API does not describe is refused (a relay's
    URL above all: relays are the worker's, a job names one)."""
    unknown = sorted(set(body) - JOB_FIELDS)
    if unknown:
        raise BadRequestError(f"unknown fields: {', '.join(u[:40] for u in unknown)}")

    def optional(name: str) -> str | None:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequestError(f"{name}: a string")
        return value or None

    def codes(name: str) -> list[str]:
        value = body.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadRequestError(f"{name}: a list of strings")
        return value

    limit = body.get("limit")
    if limit is not None and (
        not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT
    ):
        raise BadRequestError(f"limit: an integer from 1 to {MAX_LIMIT:,}")
    resend = body.get("resend_ambiguous", False)
    if not isinstance(resend, bool) or not isinstance(body.get("confirm", False), bool):
        raise BadRequestError("resend_ambiguous and confirm: true or false")
    if resend and body.get("confirm") is not True:
        # The page asks for the same tick: a duplicate to a minister is worse than a delay.
        raise BadRequestError("resend_ambiguous needs confirm: true (they may have arrived)")
    at, tz = optional("at"), optional("tz") or "UTC"
    try:
        due = parse_due(at, tz) if at else None
    except ScheduleError as exc:
        raise BadRequestError(str(exc)) from exc
    return SendJobRequest(
        letter_key=key,
        due_at=due,
        tz=tz,
        relay=optional("relay"),
        languages=tuple(_language(c, "languages") for c in codes("languages")),
        groups=tuple(codes("groups")),
        limit=limit,
        rate=optional("rate"),
        window=optional("window"),
        to_self=optional("to_self"),
        resend_ambiguous=resend,
    )


# --- presenting ---------------------------------------------------------------------


def _user(name: str, role: str, languages: tuple[Language, ...]) -> dict[str, Any]:
    return {"name": name, "role": role, "languages": [lang.value for lang in languages]}


def _summary(s: LetterSummary) -> dict[str, Any]:
    return {
        "key": s.key,
        "check": {
            "ok": s.render.checked and not s.problems,
            "state": "done" if s.render.checked else "pending",
            "problems": list(s.problems),
        },
        "render": _render(s.render),
        "recipients": s.total,
        "counts": [
            {"language": lang.value, "group": group, "recipients": n}
            for (lang, group), n in sorted(s.counts.items())
        ],
        "batch_hash": s.batch_hash,
        "reviewers_required": s.reviewers_required,
        "approvals": {
            lang.value: {
                "state": st.state.value,
                "approved_by": list(st.approvers),
                "rejected_by": [
                    {"reviewer": r.reviewer, "comment": r.comment} for r in st.rejections
                ],
                "changed": list(st.changed),
                **({"hash": s.hashes[lang]} if lang in s.hashes else {}),
            }
            for lang, st in s.languages.items()
        },
    }


def _render(r: RenderProgress) -> dict[str, Any]:
    return {
        "state": r.state.value,
        "done": r.done,
        "total": r.total,
        "rate_per_second": round(r.rate, 1),
        "eta_seconds": r.eta_seconds,
        "languages": {
            lang.value: {"done": done, "total": total}
            for lang, (done, total) in r.languages.items()
        },
    }


def _session(s: Session) -> dict[str, Any]:
    return {
        "id": s.id,
        "user": s.username,
        "address": s.address,
        "created_at": _when(s.created_at),
        "last_seen_at": _when(s.last_seen_at),
        "expires_at": _when(s.expires_at),
    }


def _approval(a: Approval) -> dict[str, Any]:
    return {
        "letter": a.batch_key,
        "language": a.language.value,
        "reviewer": a.reviewer,
        "decision": a.decision.value,
        "comment": a.comment,
        "language_hash": a.hash,
        "batch_hash": a.batch_hash,
        "decided_at": _when(a.decided_at),
    }


def _job(j: Job) -> dict[str, Any]:
    return {
        "id": j.id,
        "letter": j.letter_path.stem,
        "state": j.state.value,
        "due_at": _when(j.due_at),
        "tz": j.tz,
        "options": list(j.options),
        "worker": j.claimed_by,
        "error": j.error,
    }


def _progress(p: SendProgress) -> dict[str, Any]:
    return {
        "batch": p.batch_id,
        "total": p.total,
        "sent": p.sent,
        "failed": p.failed,
        "held": p.held,
        "states": p.counts,
        "rate_per_minute": round(p.rate_per_minute, 1),
        "eta_seconds": p.eta_seconds,
        "failures": [
            {
                "recipient": d.recipient_id,
                "email": d.email,
                "state": d.state.value,
                "smtp_code": d.last_code,
                "smtp_reply": d.last_text,
            }
            for d in p.failures
        ],
    }


def _when(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds")
