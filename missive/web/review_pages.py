"""The review of one letter in one language: its pages as images, another language beside
it, what changed since the last approval, and the decision, bound to the hash shown.

The pages read the stored batch (never rendering anything); handlers that read files or
the journal are plain functions, which Starlette runs in worker threads, off the event loop.
While the language renders, the page shows the progress and the letters drawn so far; the
decision form appears when every letter of the language is drawn, and carries the language
hash the reviewer sees: a decision at another hash is refused, with what changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Route

from missive.access.permissions import Action, can
from missive.app import Decision
from missive.app.batch_store import Sample
from missive.app.letters import PDF_LABEL
from missive.errors import NotFoundError, StaleHashError
from missive.model import Language
from missive.web.context import Visitor, services
from missive.web.errors import BadRequestError
from missive.web.views import attachment, changing, language_param, logged_in, query_number, render

DECISIONS = {"approve": Decision.APPROVED, "reject": Decision.REJECTED}


def review_page(request: Request) -> Response:
    who = logged_in(request)
    return render(request, "review.html", _context(request, who))


def _context(
    request: Request, who: Visitor, refused: StaleHashError | None = None
) -> dict[str, Any]:
    found = services(request)
    shelf = found.shelf
    key = request.path_params["key"]
    language = language_param(request.path_params["lang"])
    summary = shelf.summary(who.actor, key)
    if language not in summary.render.languages:
        raise NotFoundError(f"no recipient reads {language.value} in {key}")
    drawn = shelf.drawn(key, shelf.samples(who.actor, key, language))
    index = query_number(request, "r")
    if drawn and index > len(drawn):
        raise NotFoundError(f"no sample {index} for {language.value} in {key}")
    sample = drawn[index - 1] if drawn else None
    pages = shelf.pdf(who.actor, key, sample.recipient).pages if sample else 0
    page = query_number(request, "page")
    if sample and page > pages:
        raise NotFoundError(f"no page {page} in the letter to {sample.recipient}")
    compare = _compare(request, key, language)
    compare_pages = shelf.pdf(who.actor, key, compare.recipient).pages if compare else 0
    done, total = summary.render.languages[language]
    return {
        "key": key,
        "summary": summary,
        "language": language,
        "status": summary.languages.get(language),
        "hash": summary.hashes.get(language),
        "rendering": (done, total),
        "samples": drawn,
        "index": index,
        "sample": sample,
        "page": page,
        "pages": pages,
        "compare": compare,
        "compare_language": request.query_params.get("compare", ""),
        "compare_page": min(page, compare_pages),
        "languages": list(summary.render.languages),
        "changes": shelf.changes(who.actor, key, language),
        "can_decide": can(who.actor, Action.REVIEW, language),
        **_refusal(refused),
    }


def _refusal(refused: StaleHashError | None) -> dict[str, Any]:
    """A decision refused at a stale hash: the files that changed, and how many PDFs."""
    changed = refused.changed if refused is not None else ()
    return {
        "refused": refused,
        "refused_files": [c for c in changed if not c.startswith(PDF_LABEL)],
        "refused_pdfs": sum(c.startswith(PDF_LABEL) for c in changed),
    }


def _compare(request: Request, key: str, language: Language) -> Sample | None:
    text = request.query_params.get("compare")
    if not text:
        return None
    other = language_param(text)
    shelf = services(request).shelf
    who = logged_in(request)
    drawn = shelf.drawn(key, shelf.samples(who.actor, key, other)[:1])
    if other is language or not drawn:
        raise NotFoundError(f"nothing to compare in {other.value} (yet)")
    return drawn[0]


async def decide(request: Request) -> Response:
    who, form = await changing(request)
    return await run_in_threadpool(_decide, request, who, form)


def _decide(request: Request, who: Visitor, form: Mapping[str, str]) -> Response:
    found = services(request)
    key = request.path_params["key"]
    language = language_param(request.path_params["lang"])
    decision = DECISIONS.get(form.get("decision", ""))
    if decision is None:
        raise BadRequestError("decision: approve or reject")
    seen = form.get("hash", "")
    if not seen:
        raise BadRequestError("hash: the language hash you reviewed is required")
    decide_at = partial(found.operations.decide, seen_hash=seen)
    try:
        decide_at(
            who.actor, key, language, decision, form.get("comment", ""), who.origin, found.now()
        )
    except StaleHashError as refused:
        return render(request, "review.html", _context(request, who, refused), status=409)
    return RedirectResponse(f"/letters/{key}/review/{language.value}?decided=1", status_code=303)


def page_image(request: Request) -> Response:
    # A plain function, in a worker thread: the image (a few hundred KB at most, written
    # whole once) is read here at once; a FileResponse would hand its stat, open, reads and
    # close to worker threads one by one, from the event loop.
    who = logged_in(request)
    key, rid = request.path_params["key"], request.path_params["rid"]
    path = services(request).shelf.page_image(who.actor, key, rid, request.path_params["page"])
    return Response(path.read_bytes(), media_type="image/png")


def pdf(request: Request) -> Response:
    who = logged_in(request)
    key, rid = request.path_params["key"], request.path_params["rid"]
    stored = services(request).shelf.pdf(who.actor, key, rid)
    headers = {"content-disposition": attachment(f"{key}-{rid}.pdf")}
    return FileResponse(stored.path, media_type="application/pdf", headers=headers)


def proof(request: Request) -> Response:
    who = logged_in(request)
    key = request.path_params["key"]
    path = services(request).shelf.proof(who.actor, key)
    headers = {"content-disposition": attachment(f"{key}-proof.pdf")}
    return FileResponse(path, media_type="application/pdf", headers=headers)


ROUTES = [
    Route("/letters/{key}/proof.pdf", proof, methods=["GET"]),
    Route("/letters/{key}/review/{lang}", review_page, methods=["GET"]),
    Route("/letters/{key}/review/{lang}", decide, methods=["POST"]),
    Route("/letters/{key}/pages/{rid}/{page:int}", page_image, methods=["GET"]),
    Route("/letters/{key}/pdf/{rid}", pdf, methods=["GET"]),
]
