"""The review of one letter in one language: its pages as images, another language beside
it, what changed since the last approval, and the decision with a comment."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from missive.access.permissions import Action, can
from missive.app import Decision
from missive.app.letters import RenderedBatch
from missive.errors import NotFoundError
from missive.model import Language, Recipient
from missive.web.context import services
from missive.web.views import attachment, changing, language_param, logged_in, query_number, render

DECISIONS = {"approve": Decision.APPROVED, "reject": Decision.REJECTED}


@dataclass(frozen=True)
class Sample:
    recipient: Recipient
    why: str  # "" for an ordinary recipient, else the hard case it is


def samples(batch: RenderedBatch, language: Language) -> list[Sample]:
    """The first reader, the proof's hard cases (longest name, organisation), then the rest."""
    readers = batch.in_language(language)
    if not readers:
        return []
    chosen: dict[str, Sample] = {readers[0].id: Sample(readers[0], "first recipient")}
    for why, longest in (
        ("longest name", max(readers, key=lambda r: len(r.name))),
        ("longest organisation", max(readers, key=lambda r: len(r.organization))),
    ):
        chosen.setdefault(longest.id, Sample(longest, why))
    for reader in readers:
        chosen.setdefault(reader.id, Sample(reader, ""))
    return list(chosen.values())


async def review_page(request: Request) -> Response:
    who = logged_in(request)
    found = services(request)
    key = request.path_params["key"]
    language = language_param(request.path_params["lang"])
    summary = found.shelf.summary(who.actor, key)
    batch = found.shelf.batch(key)
    chosen = samples(batch, language)
    index = query_number(request, "r")
    if not chosen or index > len(chosen):
        raise NotFoundError(f"no sample {index} for {language.value} in {key}")
    sample = chosen[index - 1]
    pages = found.shelf.page_count(who.actor, key, sample.recipient.id)
    page = query_number(request, "page")
    if page > pages:
        raise NotFoundError(f"no page {page} in the letter to {sample.recipient.id}")
    compare = _compare(request, batch, language)
    compare_pages = found.shelf.page_count(who.actor, key, compare.id) if compare else 0
    context = {
        "key": key,
        "summary": summary,
        "language": language,
        "status": summary.languages.get(language),
        "samples": chosen,
        "index": index,
        "sample": sample,
        "page": page,
        "pages": pages,
        "compare": compare,
        "compare_page": min(page, compare_pages),
        "languages": list(batch.digest.languages),
        "changes": found.shelf.changes(who.actor, key, language),
        "can_decide": can(who.actor, Action.REVIEW, language),
    }
    return render(request, "review.html", context)


def _compare(request: Request, batch: RenderedBatch, language: Language) -> Recipient | None:
    text = request.query_params.get("compare")
    if not text:
        return None
    other = language_param(text)
    readers = batch.in_language(other)
    if other is language or not readers:
        raise NotFoundError(f"nothing to compare in {other.value}")
    return readers[0]


async def decide(request: Request) -> Response:
    who, form = await changing(request)
    found = services(request)
    key = request.path_params["key"]
    language = language_param(request.path_params["lang"])
    decision = DECISIONS.get(form.get("decision", ""))
    if decision is None:
        raise NotFoundError("decision: approve or reject")
    found.operations.decide(
        who.actor, key, language, decision, form.get("comment", ""), who.origin, found.now()
    )
    return RedirectResponse(f"/letters/{key}/review/{language.value}?decided=1", status_code=303)


async def page_image(request: Request) -> Response:
    who = logged_in(request)
    key, rid = request.path_params["key"], request.path_params["rid"]
    png = services(request).shelf.page_image(who.actor, key, rid, request.path_params["page"])
    return Response(png, media_type="image/png")


async def pdf(request: Request) -> Response:
    who = logged_in(request)
    key, rid = request.path_params["key"], request.path_params["rid"]
    data = services(request).shelf.pdf(who.actor, key, rid)
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": attachment(f"{key}-{rid}.pdf")},
    )


async def proof(request: Request) -> Response:
    who = logged_in(request)
    key = request.path_params["key"]
    data = services(request).shelf.proof(who.actor, key)
    return Response(
        data,
        media_type="application/pdf",
        headers={"content-disposition": attachment(f"{key}-proof.pdf")},
    )


ROUTES = [
    Route("/letters/{key}/proof.pdf", proof, methods=["GET"]),
    Route("/letters/{key}/review/{lang}", review_page, methods=["GET"]),
    Route("/letters/{key}/review/{lang}", decide, methods=["POST"]),
    Route("/letters/{key}/pages/{rid}/{page:int}", page_image, methods=["GET"]),
    Route("/letters/{key}/pdf/{rid}", pdf, methods=["GET"]),
]
