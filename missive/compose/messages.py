"""Every fixed label and formula a letter prints, declared once: the gettext messages.

`missive/locale/missive.pot` is written from `MESSAGES` (`python -m missive.compose.catalogs`)
and the language services translate each `.po`. The English text is the msgid; a context
tells apart the entries one English text stands for (the French closing depends on the
addressee's rank and gender and on the letter's voice, the English does not). The comment
goes to translators (`#.` in the `.pot`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from missive.model import Gender, Group, Honorific, Voice


@dataclass(frozen=True)
class Message:
    """A catalog entry. `optional` names placeholders a translation may use or leave out
    (a Chinese salutation names the addressee, the English one does not)."""

    msgid: str
    context: str | None = None
    comment: str = ""
    optional: frozenset[str] = frozenset()


class Rank(StrEnum):
    """How a salutation and a closing address the recipient: by courtesy title ("Dear
    Sir,") or as an Excellency, a minister or an ambassador ("Excellency,", "Monsieur le
    Ministre,", "صاحب المعالي،"). Academic titles change the name line only."""

    COURTESY = "courtesy"
    EXCELLENCY = "excellency"
    MINISTER = "minister"
    AMBASSADOR = "ambassador"


RANK_OF: dict[Honorific | None, Rank] = {
    None: Rank.COURTESY,
    Honorific.EXCELLENCY: Rank.EXCELLENCY,
    Honorific.MINISTER: Rank.MINISTER,
    Honorific.AMBASSADOR: Rank.AMBASSADOR,
    Honorific.DOCTOR: Rank.COURTESY,
    Honorific.PROFESSOR: Rank.COURTESY,
}

REFERENCE = Message("Reference:")
CONTACT = Message("Contact:")
TEL = Message("Tel.:")
EMAIL = Message("E-mail:")
# The neutral heading of a distribution list; a letter names its own audience with
# `distribution_heading:` (a whole sentence per language: articles and cases differ).
DISTRIBUTION_HEADING = Message("To:", "distribution list")
ORIGINAL_SIGNED = Message("[Original signed]")
PAGE = Message("Page {page}")
SUBJECT_LINES = Message(
    "{first}, {second}",
    "cover e-mail subject",
    "The letter's subject is printed on two lines (title, then dates and place); the "
    "e-mail's subject is one line: the two joined with a comma, a colon or a dash.",
)
ADDRESS_BLOCK = Message(
    "{name}\n{position}\n{organization}\n{country}",
    "address block",
    "One line each, in the order the language writes an address (Chinese: from the "
    "country down to the name); a line left empty by the recipient's list is left out.",
)


def _by_gender(
    msgid: str, context: str, comment: str, forms: dict[Gender, str] | None = None
) -> dict[Gender, Message]:
    """One message per gender, in `context; <gender>`: `forms[gender]`, else `msgid`."""
    forms = forms or {}
    return {
        gender: Message(forms.get(gender, msgid), f"{context}; {gender}", comment)
        for gender in Gender
    }


def _salutations() -> dict[tuple[Rank, Gender], Message]:
    courtesy = {
        Gender.FEMALE: Message("Dear Madam,", "salutation"),
        Gender.MALE: Message("Dear Sir,", "salutation"),
        Gender.UNSPECIFIED: Message("Dear Sir/Madam,", "salutation"),
    }
    found = {(Rank.COURTESY, gender): message for gender, message in courtesy.items()}
    for rank, who in (
        (Rank.EXCELLENCY, "a dignitary"),
        (Rank.MINISTER, "a minister"),
        (Rank.AMBASSADOR, "an ambassador or permanent representative"),
    ):
        comment = (
            f"To {who} styled Excellency, as the language addresses them; it may name the "
            "addressee with {name}, as Chinese does."
        )
        for gender, message in _by_gender("Excellency,", f"salutation: {rank}", comment).items():
            found[rank, gender] = replace(message, optional=frozenset({"{name}"}))
    return found


def _closings() -> dict[tuple[Voice, Rank, Gender], Message]:
    ranked = {
        Voice.SINGULAR: "Accept, Excellency, the assurances of my highest consideration.",
        Voice.PLURAL: "Accept, Excellency, the assurances of our highest consideration.",
    }
    examples = {Voice.SINGULAR: '"I have the honour"', Voice.PLURAL: '"We are pleased"'}
    found: dict[tuple[Voice, Rank, Gender], Message] = {}
    for voice in Voice:
        for rank in Rank:
            who = "by courtesy title" if rank is Rank.COURTESY else f"as a {rank}"
            comment = (
                f"Closing of a letter written in the first person {voice} ({examples[voice]}) "
                f"to someone addressed {who}: it agrees with the voice and repeats the "
                "salutation's form of address where the language does."
            )
            msgid = "Yours faithfully," if rank is Rank.COURTESY else ranked[voice]
            for gender, message in _by_gender(msgid, f"closing: {voice}; {rank}", comment).items():
                found[voice, rank, gender] = message
    return found


def _name_lines() -> dict[tuple[Honorific | None, Gender], Message]:
    """The name line of the address block. Courtesy titles go before the name in most
    languages and after it in Chinese; a recipient of unspecified gender without honorific
    is named alone."""
    found: dict[tuple[Honorific | None, Gender], Message] = {
        (None, Gender.FEMALE): Message("Ms {name}", "addressee"),
        (None, Gender.MALE): Message("Mr {name}", "addressee"),
    }
    excellency = ("H.E. {name}", {Gender.FEMALE: "H.E. Ms {name}", Gender.MALE: "H.E. Mr {name}"})
    styled: dict[Honorific, tuple[str, dict[Gender, str]]] = {
        Honorific.EXCELLENCY: excellency,
        Honorific.MINISTER: excellency,
        Honorific.AMBASSADOR: excellency,
        Honorific.DOCTOR: ("Dr {name}", {}),
        Honorific.PROFESSOR: ("Prof. {name}", {}),
    }
    for honorific, (msgid, forms) in styled.items():
        comment = f"The name line of the address block, for a recipient styled '{honorific}'."
        for gender, message in _by_gender(msgid, f"addressee: {honorific}", comment, forms).items():
            found[honorific, gender] = message
    return found


SALUTATIONS = _salutations()
CLOSINGS = _closings()
NAME_LINES = _name_lines()
# A signatory's name under the signature, when its file gives a gender.
SIGNATURE_NAMES = {
    Gender.FEMALE: Message("Ms {name}", "signature; female", "A woman's name under her signature."),
    Gender.MALE: Message("Mr {name}", "signature; male", "A man's name under his signature."),
}
GROUPS = {
    Group.GOVERNMENTS: Message("Governments", "stakeholder group"),
    Group.PRIVATE_SECTOR: Message("Private sector", "stakeholder group"),
    Group.CIVIL_SOCIETY: Message("Civil society", "stakeholder group"),
    Group.ACADEMIA: Message("Academia/Technical community", "stakeholder group"),
    Group.INTERNATIONAL_ORGANIZATIONS: Message("International organizations", "stakeholder group"),
}

MESSAGES: tuple[Message, ...] = (
    REFERENCE,
    CONTACT,
    TEL,
    EMAIL,
    DISTRIBUTION_HEADING,
    ORIGINAL_SIGNED,
    PAGE,
    SUBJECT_LINES,
    ADDRESS_BLOCK,
    *SALUTATIONS.values(),
    *CLOSINGS.values(),
    *NAME_LINES.values(),
    *SIGNATURE_NAMES.values(),
    *GROUPS.values(),
)
