"""compose/typography.py: each language's typography, rule by rule."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from missive.compose.typography import typeset, typeset_blocks, typeset_runs
from missive.model import BulletList, Language, Paragraph, Run

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Rappel : questionnaire", Language.FR, f"Rappel{NBSP}: questionnaire"),
        ("Rappel: questionnaire", Language.FR, f"Rappel{NBSP}: questionnaire"),
        ("Destinataires :", Language.FR, f"Destinataires{NBSP}:"),
        ("Vraiment ? Oui ; non !", Language.FR, f"Vraiment{NNBSP}? Oui{NNBSP}; non{NNBSP}!"),
        ("Qui ?!", Language.FR, f"Qui{NNBSP}?!"),
        ("« cité »", Language.FR, f"«{NBSP}cité{NBSP}»"),
        ("l'Union, aujourd'hui", Language.FR, "l’Union, aujourd’hui"),
        ("à 10:30, 1:2", Language.FR, "à 10:30, 1:2"),
        ("O'Neill's today's", Language.EN, "O’Neill’s today’s"),
        ("O'Higgins", Language.ES, "O’Higgins"),
        ("Note: it's", Language.EN, "Note: it’s"),
        ("请于9月15日前提交:谢谢!", Language.ZH, "请于9月15日前提交：谢谢！"),
        ("联盟 (ITU) 和(见附件)", Language.ZH, "联盟（ITU）和（见附件）"),
        ("[原件已签署]", Language.ZH, "［原件已签署］"),
        ("Ваше Превосходительство!", Language.RU, "Ваше Превосходительство!"),
        ("صاحب المعالي،", Language.AR, "صاحب المعالي،"),
    ],
)
def test_rules(text: str, language: Language, expected: str) -> None:
    assert typeset(text, language) == expected


@pytest.mark.parametrize(
    "address",
    [
        "https://www.itu.int/net4/wsis/forum/2024/Home/Consultation?x=l'a:b",
        "mailto:o'neill@example.org",
        "o'neill@example.org",
        "www.example.org/l'adresse",
    ],
)
def test_addresses_are_never_touched(address: str) -> None:
    for language in (Language.FR, Language.EN, Language.ZH):
        assert typeset(f"à l'adresse {address} !", language).count(address) == 1


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab '’:;!?«» \u00a0\u202f()[]中文,.x@/")), max_size=40),
    st.sampled_from(list(Language)),
)
def test_typesetting_twice_changes_nothing(text: str, language: Language) -> None:
    once = typeset(text, language)
    assert typeset(once, language) == once


def test_a_rule_across_runs_keeps_each_runs_style() -> None:
    runs = (Run("Rappel", bold=True), Run(" : voir "), Run("l'adresse", href="https://x.org"))
    assert typeset_runs(runs, Language.FR) == (
        Run("Rappel", bold=True),
        Run(f"{NBSP}: voir "),
        Run("l’adresse", href="https://x.org"),
    )
    blocks = typeset_blocks(
        [Paragraph((Run("l'été"),)), BulletList(((Run("it's"),),))], Language.EN
    )
    assert blocks == (Paragraph((Run("l’été"),)), BulletList(((Run("it’s"),),)))
