"""A letter project of one's own, written into a temporary folder: letters/, templates/,
recipients/ and signatories/, the way a secretariat other than the sample's would set it up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

HEADER = "id,email,language,group,name,gender,honorific,position,organization,country"

SIGNATORY = {
    "name": {
        "ar": "السيدة ماريا أوليفيرا",
        "en": "Ms Maria Oliveira",
        "fr": "Mme Maria Oliveira",
        "es": "Sra. Maria Oliveira",
        "zh": "玛丽亚·奥利维拉女士",
        "ru": "Г-жа Мария Оливейра",
    },
    "title": {
        "ar": "المديرة",
        "en": "Director",
        "fr": "Directrice",
        "es": "Directora",
        "zh": "主任",
        "ru": "Директор",
    },
    "organization": {
        "ar": "اللجنة الإقليمية",
        "en": "Regional Commission",
        "fr": "Commission régionale",
        "es": "Comisión Regional",
        "zh": "区域委员会",
        "ru": "Региональная комиссия",
    },
}
BODY = {
    "ar": "يسرنا أن ندعوكم إلى المنتدى الإقليمي.",
    "en": "We are pleased to invite you to the regional forum.",
    "fr": "Nous avons le plaisir de vous inviter au forum régional.",
    "es": "Tenemos el placer de invitarle al foro regional.",
    "zh": "我们荣幸地邀请您出席区域论坛。",
    "ru": "Имеем честь пригласить Вас на региональный форум.",
}


def per_language(languages: Iterable[str], text: str) -> dict[str, str]:
    return {language: f"{text} ({language})" for language in languages}


def write_project(
    root: Path,
    letter: Mapping[str, object],
    rows: Iterable[str],
    *,
    header: str = HEADER,
    body: Mapping[str, str] | None = None,
    key: str = "forum",
) -> Path:
    """Write the project; `letter` overrides the keys of a minimal valid letter."""
    for folder in ("letters", "templates", "recipients", "signatories"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "signatories/director.yaml").write_text(
        yaml.safe_dump(SIGNATORY, allow_unicode=True), encoding="utf-8"
    )
    languages = list(letter.get("languages", ["en", "fr"]))  # type: ignore[call-overload]
    for language in languages:
        text = (body or {}).get(language, BODY[language] + " {{ event_dates }}")
        (root / f"templates/{key}.{language}.md.j2").write_text(text + "\n", encoding="utf-8")
        (root / f"templates/{key}.cover.{language}.md.j2").write_text(
            "{{ salutation }}\n\n" + BODY[language] + "\n", encoding="utf-8"
        )
    (root / f"recipients/{key}.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    document: dict[str, object] = {
        "kind": "personal",
        "voice": "singular",
        "date": "2025-03-10",
        "languages": languages,
        "organization": per_language(languages, "Regional Commission"),
        "reference": per_language(languages, "RC/2025/7"),
        "contact": {"name": "Jane Roe", "phone": "+1 212 555 0100", "email": "forum@example.org"},
        "event": {
            "start": "2025-07-08",
            "end": "2025-07-11",
            "place": per_language(languages, "Santiago"),
        },
        "subject": per_language(languages, "Regional forum"),
        "signatories": ["director"],
        "template": key,
        "recipients": f"recipients/{key}.csv",
        "mail": {"from": "forum@example.org", "from_name": per_language(languages, "Forum")},
        **letter,
    }
    document = {k: v for k, v in document.items() if v is not None}
    path = root / f"letters/{key}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path
