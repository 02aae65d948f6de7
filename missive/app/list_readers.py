"""What the render job keeps of a list while it is validated: each language's recipients
(ids in the list's order) and the recipients a reviewer is shown first (the first of the
language, the longest name, the longest organisation, then the list's first ones). Only ids
and a few names are kept, not the rows: a list of 30,000 costs a few megabytes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from missive.app.batch_store import Sample
from missive.model import Language, Letter, Recipient
from missive.review.digest import BatchInputs, collect_inputs

LISTED_SAMPLES = 200  # recipients a reviewer can pick from the list, after the hard cases


class ListReaders:
    """Each language's recipients and review samples, gathered while the list is validated
    (`add` is `scan_list`'s `on_recipient`)."""

    def __init__(self) -> None:
        self.pairs: list[tuple[str, Language]] = []
        self.ids: dict[Language, list[str]] = defaultdict(list)
        self.names: dict[str, str] = {}  # of the first recipients of each language
        self.first: dict[Language, Recipient] = {}
        self.longest_name: dict[Language, Recipient] = {}
        self.longest_organization: dict[Language, Recipient] = {}

    def add(self, recipient: Recipient) -> None:
        language = recipient.language
        self.pairs.append((recipient.id, language))
        ids = self.ids[language]
        ids.append(recipient.id)
        if len(ids) <= LISTED_SAMPLES:
            self.names[recipient.id] = recipient.name
        self.first.setdefault(language, recipient)
        name = self.longest_name.setdefault(language, recipient)
        if len(recipient.name) > len(name.name):
            self.longest_name[language] = recipient
        organization = self.longest_organization.setdefault(language, recipient)
        if len(recipient.organization) > len(organization.organization):
            self.longest_organization[language] = recipient

    def inputs(self, letter: Letter, recipients_path: Path) -> BatchInputs:
        """The batch's inputs (`collect_inputs`), from the ids and languages alone."""
        present = list(self.first.values())
        inputs = collect_inputs(letter, present, recipients_path=recipients_path)
        return replace(inputs, recipients=tuple(self.pairs))

    def samples(self, language: Language) -> tuple[Sample, ...]:
        chosen: dict[str, Sample] = {}
        for why, recipient in (
            ("first recipient", self.first[language]),
            ("longest name", self.longest_name[language]),
            ("longest organisation", self.longest_organization[language]),
        ):
            chosen.setdefault(recipient.id, Sample(recipient.id, recipient.name, why))
        for rid in self.ids[language][:LISTED_SAMPLES]:
            chosen.setdefault(rid, Sample(rid, self.names[rid], ""))
        return tuple(chosen.values())
