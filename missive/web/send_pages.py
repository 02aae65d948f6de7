"""The send page: a dry-run preview, a test to oneself, send now or at a time, the jobs with
cancel and release, live progress, the failures and the release of ambiguous messages.

Nothing is sent from here: every button stores a job that `send.py worker` runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from missive.app import parse_due
from missive.app.operations import SendJobRequest
from missive.errors import ScheduleError
from missive.web.bodies import path_id
from missive.web.context import services
from missive.web.errors import BadRequestError
from missive.web.views import changing, logged_in, render

KINDS = ("now", "at", "self", "ambiguous")


def send_page(request: Request) -> Response:
    # A plain function: Starlette runs it in a worker thread, off the event loop.
    who = logged_in(request)
    found = services(request)
    key = request.path_params["key"]
    summary = found.shelf.summary(who.actor, key)
    per_language: Counter[str] = Counter()
    for (language, _), count in summary.counts.items():
        per_language[language.value] += count
    context = {
        "key": key,
        "summary": summary,
        "per_language": sorted(per_language.items()),
        # The first recipient's cover e-mail, as `send.py compose` makes it (render job).
        "preview": found.shelf.preview(who.actor, key),
        "progress": found.operations.progress(who.actor, key, found.now()),
        "jobs": found.operations.jobs(who.actor, key),
    }
    return render(request, "send.html", context)


def job_request(key: str, form: Mapping[str, str]) -> SendJobRequest:
    kind = form.get("kind", "")
    if kind not in KINDS:
        raise BadRequestError("kind: now, at, self or ambiguous")
    if kind == "ambiguous" and form.get("confirm") != "yes":
        raise BadRequestError("tick the confirmation to send the ambiguous messages again")
    tz = form.get("tz") or "UTC"
    due = None
    if kind == "at":
        try:
            due = parse_due(f"{form.get('date', '')} {form.get('time', '')}", tz)
        except ScheduleError as exc:
            raise BadRequestError(str(exc)) from exc
    if kind == "self" and not form.get("to_self"):
        raise BadRequestError("to_self: the address to send the samples to")
    return SendJobRequest(
        letter_key=key,
        due_at=due,
        tz=tz,
        rate=form.get("rate") or None,
        window=form.get("window") or None,
        to_self=form.get("to_self") if kind == "self" else None,
        resend_ambiguous=kind == "ambiguous",
    )


async def schedule(request: Request) -> Response:
    who, form = await changing(request)
    found = services(request)
    key = request.path_params["key"]
    found.operations.schedule(who.actor, job_request(key, form), who.origin, found.now())
    return RedirectResponse(f"/letters/{key}/send#progress", status_code=303)


async def change_job(request: Request) -> Response:
    who, _form = await changing(request)
    found = services(request)
    job_id = path_id(request)
    if request.path_params["verb"] == "cancel":
        job = found.operations.cancel(who.actor, job_id, who.origin, found.now())
    elif request.path_params["verb"] == "release":
        job = found.operations.release(who.actor, job_id, who.origin, found.now())
    else:
        raise BadRequestError("cancel or release")
    return RedirectResponse(f"/letters/{job.letter_path.stem}/send#jobs", status_code=303)


ROUTES = [
    Route("/letters/{key}/send", send_page, methods=["GET"]),
    Route("/letters/{key}/send", schedule, methods=["POST"]),
    Route("/jobs/{id:int}/{verb}", change_job, methods=["POST"]),
]
