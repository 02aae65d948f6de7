"""The typography of each language, applied to every text a letter prints: the catalogs'
formulas, the letter's own data (headings, subjects, names from the list) and the
templates' prose alike, in one pass per language.

- French: a no-break space before the colon (U+00A0, the word space of the Imprimerie
  nationale's rule) and a narrow no-break space (U+202F, its *espace fine*) before `;`,
  `!` and `?`; a no-break space inside « »; the typographic apostrophe (’).
- English and Spanish: the typographic apostrophe.
- Chinese: full-width punctuation (，：；！？（）［］) next to Chinese text.
- Arabic and Russian: nothing to change.

Web and e-mail addresses are never touched (`_PROTECTED`): an apostrophe or a colon in
`mailto:` or `https://` stays as typed. Every rule is idempotent: text already set is left
as it is, so a value set once and printed again by a template comes out the same.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence

from missive.model import Block, BulletList, Language, Paragraph, Run
from missive.storage import reuse

# Addresses: scheme://..., www...., mailto:..., and e-mail addresses.
_PROTECTED = re.compile(
    r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)[^\s<>()«»]*[^\s<>()«».,;:!?]"
    r"|[\w.+'-]+@[\w-]+(?:\.[\w-]+)+",
    re.IGNORECASE,
)
_STAND_IN = "\ue000"  # a protected address, while the rules run (a private-use character)

_SPACES = "[ \u00a0\u202f\u2009]*"
# After the mark: a space, the end, or closing punctuation.
_AFTER = r"(?=[\s)\]»”’]|$)"
_FRENCH_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<=[^\W\d_])'"), "\u2019"),
    (re.compile(rf"(?<=[^\s;:!?«(\[]){_SPACES}([;!?]+){_AFTER}"), "\u202f\\1"),
    (re.compile(rf"(?<=[^\s;:!?«(\[]){_SPACES}:{_AFTER}"), "\u00a0:"),
    (re.compile(rf"«{_SPACES}"), "«\u00a0"),
    (re.compile(rf"{_SPACES}»"), "\u00a0»"),
)
_APOSTROPHE_RULES = _FRENCH_RULES[:1]

# Chinese text: ideographs, CJK punctuation and the full-width punctuation (not the
# full-width digits and letters, which stand for Latin ones).
_HAN = (
    "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
)
_FULL_WIDTH = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_Rules = tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...]
_CHINESE_RULES: _Rules = (
    (
        re.compile(rf"(?<=[{_HAN}])([,:;!?]+) *"),
        lambda found: "".join(_FULL_WIDTH[mark] for mark in found.group(1)),
    ),
    (re.compile(rf"\(([^()]*[{_HAN}][^()]*)\)"), "（\\1）"),
    (re.compile(rf"(?<=[{_HAN}]) ?\(([^()]*)\) ?"), "（\\1）"),
    (re.compile(rf" ?\(([^()]*)\) ?(?=[{_HAN}])"), "（\\1）"),
    (re.compile(rf"\[([^\[\]]*[{_HAN}][^\[\]]*)\]"), "［\\1］"),
)
_RULES: dict[Language, _Rules] = {
    Language.FR: _FRENCH_RULES,
    Language.EN: _APOSTROPHE_RULES,
    Language.ES: _APOSTROPHE_RULES,
    Language.ZH: _CHINESE_RULES,
}


def has_rules(language: Language) -> bool:
    return language in _RULES


@reuse.memo(maxsize=8192)  # the same labels, names and formulas come back letter after letter
def typeset(text: str, language: Language) -> str:
    """`text` as the language's typography sets it (see the module docstring)."""
    rules = _RULES.get(language)
    if not rules or not text or _STAND_IN in text:
        return text
    kept: list[str] = []

    def set_aside(found: re.Match[str]) -> str:
        kept.append(found.group())
        return _STAND_IN

    work = _PROTECTED.sub(set_aside, text)
    # A rule may make room for another (a bracket set full-width makes the colon after it
    # Chinese text): the rules run until the text holds still.
    for _ in range(4):
        before = work
        for pattern, replacement in rules:
            work = pattern.sub(replacement, work)
        if work == before:
            break
    pieces = iter(kept)
    return re.sub(_STAND_IN, lambda _: next(pieces), work)


def typeset_blocks(blocks: Sequence[Block], language: Language) -> tuple[Block, ...]:
    """The blocks with each paragraph and list item set as a whole (a rule may span runs of
    different styles: "**Rappel** : ..."), each run keeping its style and link."""
    if not has_rules(language):
        return tuple(blocks)
    return tuple(_typeset_block(block, language) for block in blocks)


def _typeset_block(block: Block, language: Language) -> Block:
    if isinstance(block, Paragraph):
        return Paragraph(typeset_runs(block.runs, language))
    return BulletList(tuple(typeset_runs(item, language) for item in block.items))


def typeset_runs(runs: tuple[Run, ...], language: Language) -> tuple[Run, ...]:
    whole = "".join(run.text for run in runs)
    set_text = typeset(whole, language)
    if set_text == whole:
        return runs
    if len(runs) == 1:
        return (Run(set_text, runs[0].bold, runs[0].italic, runs[0].href),)
    owners = [index for index, run in enumerate(runs) for _ in run.text]
    new_owners = _carried_owners(whole, set_text, owners)
    result: list[Run] = []
    start = 0
    for end in range(1, len(set_text) + 1):
        if end < len(set_text) and new_owners[end] == new_owners[start]:
            continue
        run = runs[new_owners[start]]
        result.append(Run(set_text[start:end], run.bold, run.italic, run.href))
        start = end
    return tuple(result)


def _carried_owners(old: str, new: str, owners: list[int]) -> list[int]:
    """The run each character of `new` belongs to: an unchanged or replaced character
    keeps its run; an inserted one joins the run of the character it comes before (the
    space before a colon belongs with the colon)."""
    carried: list[int] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            carried += owners[i1:i2]
        elif tag == "replace":
            carried += [owners[min(i1 + k, i2 - 1)] for k in range(j2 - j1)]
        elif tag == "insert":
            carried += [owners[min(i1, len(owners) - 1)]] * (j2 - j1)
    return carried
