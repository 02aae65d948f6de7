"""Cover notes written from paragraph shapes (digits stood in for, then filled back) are the
cover notes written from the paragraphs parsed whole, in both directions."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from test_cover_reuse import PIECES, SEPARATORS

from missive.compose.composer import Composer, CoverMode
from missive.compose.cover import CoverBodies, cover_bodies, shaped_cover_bodies
from missive.compose.markup import DIGIT_STAND_IN, ParagraphCache, parse_blocks
from missive.errors import InputError
from missive.load import iter_recipients, load_letter
from missive.load.serials import assign_serials
from missive.model import Language

ROOT = Path(__file__).resolve().parent.parent
WITH_DIGITS = (
    "Please find attached (reference: ITU\\/WSIS\\/2026\\/0123).",
    "**2026** and word**12**word, 12**word** *1*2*3* _1_2_ a_1_b",
    "1. a numbered list opens with a digit",
    "  2) so does this one",
    "from 7 to 11 July 2025",
    "حسن السيد 2026\\/0001، المعلومات+20 و +41 22 730 6240 (27–31)",
    "[site 2025](https://example.org/2025) and https://example.org/2025",
    f"a stand-in already there {DIGIT_STAND_IN} and 1",
    "line 1  \nline 2\n3 opens a line",
    "\\1\\2 (2025) [12] 50% #3",
    "李先生：2026年7月7日",
)


def exact(text: str, language: Language) -> CoverBodies | None:
    try:
        blocks = parse_blocks(text, Path("cover.md"))
    except InputError:
        return None
    return cover_bodies(blocks, language=language, lang_tag=language.value, title="t 1")


def texts() -> list[str]:
    pieces = (*PIECES, *WITH_DIGITS)
    found = [
        a + sep + b for a, b in itertools.product(WITH_DIGITS, pieces) for sep in ("\n\n", "\n")
    ]
    rng = random.Random(20)
    for _ in range(300):
        chosen = rng.choices(pieces, k=rng.randint(1, 5))
        separators = rng.choices(SEPARATORS, k=len(chosen))
        found.append("".join(p + s for p, s in zip(chosen, separators, strict=True)))
    return found


@pytest.mark.parametrize("language", [Language.EN, Language.AR, Language.ZH])
def test_filled_shapes_are_the_bodies_written_whole(language: Language) -> None:
    cache = ParagraphCache(limit=64)
    filled = 0
    for text in texts():
        shaped = cache.shaped(text)
        if shaped is None:
            continue
        filled += any(digits for _, digits in shaped)
        bodies = shaped_cover_bodies(
            shaped, language=language, lang_tag=language.value, title="t 1"
        )
        assert bodies == exact(text, language), repr(text)
    assert filled > 150  # most texts holding digits are written from shapes


def test_digits_that_mean_something_are_parsed_as_they_are() -> None:
    cache = ParagraphCache()
    for text in ("1. first", "a\n2) second", "[x](https://e.org/1)", f"{DIGIT_STAND_IN} 1"):
        shaped = cache.shaped(text) or ()
        assert all(digits == "" for _, digits in shaped), text
    ((shape, digits),) = cache.shaped("Ref. ITU\\/2026\\/0123.") or ()
    assert digits == "20260123" and DIGIT_STAND_IN * 4 in shape.runs[0].text


def test_sample_cover_notes_are_those_written_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    letter = load_letter(ROOT / "letters" / "wsis20-invitation.yaml")
    recipients = list(iter_recipients(letter.recipients_path, letter))
    serials = assign_serials(letter, (r.id for r in recipients), persist=False)
    shaped = [Composer(letter, serials, covers=CoverMode.FULL).compose(r) for r in recipients]
    monkeypatch.setattr(ParagraphCache, "shaped", lambda self, text: None)
    whole = [Composer(letter, serials, covers=CoverMode.FULL).compose(r) for r in recipients]
    assert [c.cover for c in shaped] == [c.cover for c in whole]
    assert len({c.cover.html for c in shaped}) == len(recipients)  # each names its reference
