"""compose: the sample letter in six languages, the seed reproduced, strict templates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from missive.compose.composer import Composer, CoverMode, format_composed_text
from missive.compose.markup import blocks_text, parse_blocks
from missive.compose.typography import typeset
from missive.errors import InputError
from missive.load import load_letter, load_recipients
from missive.model import (
    BulletList,
    ComposedLetter,
    Gender,
    Group,
    Honorific,
    Language,
    Letter,
    LetterKind,
    Paragraph,
    Recipient,
    Run,
)

ROOT = Path(__file__).resolve().parent.parent
SEED = Path("/work/shared/seed/wsis20-invitation-es.md")
SAMPLE = ROOT / "letters/wsis20-invitation.yaml"
CONSULTATION = "https://www.itu.int/net4/wsis/forum/2024/Home/Consultation"


@pytest.fixture(autouse=True)
def in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture(scope="module")
def sample() -> Letter:
    return load_letter(SAMPLE)


@pytest.fixture(scope="module")
def composer(sample: Letter) -> Composer:
    return Composer(sample)


def person(
    language: Language = Language.ES,
    *,
    name: str = "Ana Pérez",
    gender: Gender = Gender.UNSPECIFIED,
    honorific: Honorific | None = None,
    country: str = "CH",
    extra: dict[str, str] | None = None,
) -> Recipient:
    return Recipient(
        id=f"{language}-test",
        email="ana@example.org",
        language=language,
        group=Group.CIVIL_SOCIETY,
        name=name,
        gender=gender,
        position="Directora",
        organization="Fundación Ejemplo",
        country=country,
        honorific=honorific,
        extra=extra or {},
        line=2,
    )


def texts(runs: tuple[Run, ...]) -> str:
    return "".join(run.text for run in runs)


def paragraphs(composed: ComposedLetter) -> list[str]:
    return [texts(block.runs) for block in composed.body if isinstance(block, Paragraph)]


# --- the seed, reproduced --------------------------------------------------------------


def seed_body() -> list[str]:
    """The seed's paragraphs between the salutation and the closing, as plain text."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    start = lines.index("Muy Señora mía/Muy Señor mío:") + 1
    end = lines.index("Atentamente,")
    blocks = parse_blocks("\n".join(lines[start:end]), SEED)
    return [texts(block.runs) for block in blocks if isinstance(block, Paragraph)]


def test_spanish_letter_carries_every_element_of_the_seed(composer: Composer) -> None:
    composed = composer.compose(person(Language.ES))
    seed = SEED.read_text(encoding="utf-8")
    assert composed.date_text == "31 de enero de 2024" in seed
    fields = [(f.label, f.value, f.href) for f in composed.header_fields]
    assert fields == [
        ("Referencia:", "Evento de Alto Nivel del Foro de la CMSI+20-2024", None),
        ("Contacto:", "Gitanjali Sah", None),
        ("Tel.:", "+41 22 730 6240", None),
        ("Correo-e:", "wsis-info@itu.int", "mailto:wsis-info@itu.int"),
    ]
    assert composed.distribution_heading == "A todas las partes interesadas de la CMSI:"
    assert [f"- {group}" for group in composed.distribution] == [
        line for line in seed.splitlines() if line.startswith("- ")
    ]
    assert composed.subject == (
        "Invitación al Evento de Alto Nivel del Foro de la Cumbre Mundial sobre la Sociedad "
        "de la Información (CMSI)+20\n27–31 de mayo de 2024, Ginebra (Suiza)"
    )
    assert composed.salutation == "Muy Señora mía/Muy Señor mío:"
    assert paragraphs(composed) == seed_body()
    assert composed.closing == "Atentamente,"
    signed = [(s.signed_marker, s.name, s.organization) for s in composed.signatories]
    assert signed == [
        ("[Original firmado]", "Sr. Albert Rösti", "Confederación Suiza"),
        ("[Original firmado]", "Sra. Doreen BOGDAN-MARTIN", "UIT"),
        ("[Original firmado]", "Sra. Audrey Azoulay", "UNESCO"),
        ("[Original firmado]", "Sr. Achim Steiner", "PNUD"),
        ("[Original firmado]", "Sra. Rebeca Grynspan", "UNCTAD"),
    ]
    assert composed.signatories[1].title_lines == ("Secretaria General",)


def test_spanish_body_links_point_where_the_seed_does(composer: Composer) -> None:
    composed = composer.compose(person(Language.ES))
    links = {
        run.text: run.href
        for block in composed.body
        if isinstance(block, Paragraph)
        for run in block.runs
        if run.href
    }
    assert links == {
        "proceso de consultas abiertas": CONSULTATION,
        "www.wsis.org/forum": "http://www.wsis.org/forum",
    }


def test_a_circular_has_no_addressee_and_the_unspecified_salutation(sample: Letter) -> None:
    circular = Composer(dataclasses.replace(sample, kind=LetterKind.CIRCULAR))
    composed = circular.compose(
        person(Language.ES, gender=Gender.FEMALE, honorific=Honorific.DOCTOR)
    )
    assert composed.addressee == ()
    assert composed.salutation == "Muy Señora mía/Muy Señor mío:"
    assert composed.distribution_heading == "A todas las partes interesadas de la CMSI:"


# --- six languages -------------------------------------------------------------------

EXPECTED = {
    Language.AR: ("31 يناير 2024", "حضرات السادة والسيدات،", "[توقيع على الأصل]", "ar"),
    Language.ZH: ("2024年1月31日", "尊敬的先生/女士：", "（签名）", "zh-Hans"),
    Language.EN: ("31 January 2024", "Dear Sir/Madam,", "[Original signed]", "en-GB"),
    Language.FR: ("31 janvier 2024", "Madame, Monsieur,", "[Original signé]", "fr"),
    Language.RU: (
        "31 января 2024\u202fг.",
        "Уважаемая госпожа, уважаемый господин!",
        "[Подпись на оригинале]",
        "ru",
    ),
    Language.ES: (
        "31 de enero de 2024",
        "Muy Señora mía/Muy Señor mío:",
        "[Original firmado]",
        "es",
    ),
}


@pytest.mark.parametrize("language", list(Language))
def test_every_language_composes(composer: Composer, language: Language) -> None:
    composed = composer.compose(person(language))
    date_text, salutation, signed, tag = EXPECTED[language]
    assert (composed.date_text, composed.salutation, composed.lang_tag) == (
        date_text,
        salutation,
        tag,
    )
    assert {s.signed_marker for s in composed.signatories} == {signed}
    assert len(composed.signatories) == 5
    assert len(composed.distribution) == 5
    assert len(paragraphs(composed)) == 7
    assert "{page}" in composed.page_label
    assert composed.cover.attachment_name.endswith(".pdf")
    assert composed.is_rtl is (language is Language.AR)


def test_english_uses_un_style_dates_and_intervals(composer: Composer) -> None:
    composed = composer.compose(person(Language.EN))
    assert composed.date_text == "31 January 2024"
    assert composed.locale == "en_GB"
    # UN style: a tight en dash and the full month name (CLDR's en_GB has thin spaces).
    assert composed.subject.splitlines()[1] == "27–31 May 2024, Geneva, Switzerland"
    assert "from 27 to 31 May 2024 in Geneva, Switzerland" in paragraphs(composed)[0]
    assert "(deadline for submissions: 15 February 2024)" in paragraphs(composed)[4]


@pytest.mark.parametrize(
    ("language", "country"),
    [
        (Language.AR, "سويسرا"),
        (Language.ZH, "瑞士"),
        (Language.EN, "Switzerland"),
        (Language.FR, "Suisse"),
        (Language.RU, "Швейцария"),
        (Language.ES, "Suiza"),
    ],
)
def test_country_names_are_localised(composer: Composer, language: Language, country: str) -> None:
    # Chinese writes an address from the country down to the name.
    line = 0 if language is Language.ZH else -1
    assert composer.compose(person(language)).addressee[line] == country


@pytest.mark.parametrize(
    ("language", "female", "male"),
    [
        (Language.AR, "السيدة المحترمة،", "السيد المحترم،"),
        (Language.ZH, "尊敬的女士：", "尊敬的先生："),
        (Language.EN, "Dear Madam,", "Dear Sir,"),
        (Language.FR, "Madame,", "Monsieur,"),
        (Language.RU, "Уважаемая госпожа!", "Уважаемый господин!"),
        (Language.ES, "Muy Señora mía:", "Muy Señor mío:"),
    ],
)
def test_salutations_follow_gender(
    composer: Composer, language: Language, female: str, male: str
) -> None:
    assert composer.compose(person(language, gender=Gender.FEMALE)).salutation == female
    assert composer.compose(person(language, gender=Gender.MALE)).salutation == male


def test_french_closing_follows_gender(composer: Composer) -> None:
    closing = composer.compose(person(Language.FR, gender=Gender.FEMALE)).closing
    assert closing == "Veuillez agréer, Madame, l’assurance de notre haute considération."


def test_courtesy_title_and_honorific_in_the_addressee_block(composer: Composer) -> None:
    ms = composer.compose(person(Language.EN, name="Jane Roe", gender=Gender.FEMALE))
    assert ms.addressee == ("Ms Jane Roe", "Directora", "Fundación Ejemplo", "Switzerland")
    he = composer.compose(
        person(Language.EN, name="John Roe", gender=Gender.MALE, honorific=Honorific.EXCELLENCY)
    )
    assert he.addressee[0] == "H.E. Mr John Roe"
    zh = composer.compose(
        person(Language.ZH, name="王伟", gender=Gender.MALE, honorific=Honorific.AMBASSADOR)
    )
    assert zh.addressee[-1] == "王伟先生阁下"
    assert (
        composer.compose(person(Language.ZH, name="赵敏", gender=Gender.FEMALE)).addressee[-1]
        == "赵敏女士"
    )


def test_a_salutation_column_overrides_the_salutation(composer: Composer) -> None:
    composed = composer.compose(
        person(
            Language.EN,
            gender=Gender.MALE,
            honorific=Honorific.MINISTER,
            extra={"salutation": "Dear Minister,"},
        )
    )
    assert composed.salutation == "Dear Minister,"
    assert composed.cover.text.startswith("Dear Minister,\n\n")


def test_reference_carries_the_recipients_serial(sample: Letter) -> None:
    recipient = person(Language.FR)
    composed = Composer(sample, {recipient.id: 7}).compose(recipient)
    assert composed.reference == "Manifestation de haut niveau du Forum du SMSI+20 – 2024/0007"
    assert composed.header_fields[0].value == composed.reference


def test_cover_note_is_localised_and_escaped(composer: Composer) -> None:
    cover = composer.compose(person(Language.ES, name="<b>Ana</b>")).cover
    assert cover.attachment_name == "Invitación CMSI+20.pdf"
    assert cover.subject.startswith("Invitación al Evento de Alto Nivel")
    assert "\n" not in cover.subject
    assert '<a href="http://www.wsis.org/forum">www.wsis.org/forum</a>' in cover.html
    assert "<strong>Evento de Alto Nivel del Foro de la CMSI+20</strong>" in cover.html
    assert "Le remitimos adjunta la invitación" in cover.text
    assert composer.compose(person(Language.EN)).cover.attachment_name == "WSIS+20 invitation.pdf"


def test_format_composed_text_reads_in_order(composer: Composer) -> None:
    text = format_composed_text(composer.compose(person(Language.ES, gender=Gender.FEMALE)))
    order = [
        "Unión Internacional de Telecomunicaciones",
        "31 de enero de 2024",
        "Referencia: Evento de Alto Nivel",
        "Sra. Ana Pérez",
        "A todas las partes interesadas de la CMSI:",
        "- Organizaciones internacionales",
        "Invitación al Evento",
        "Muy Señora mía:",
        "Tenemos el placer",
        "Atentamente,",
        "[Original firmado]\nSr. Albert Rösti",
        "Sra. Rebeca Grynspan\nSecretaria General\nUNCTAD",
    ]
    positions = [text.index(part) for part in order]
    assert positions == sorted(positions)


def test_the_sample_composes_for_every_recipient(sample: Letter, composer: Composer) -> None:
    recipients = load_recipients(sample.recipients_path, sample)
    assert len(recipients) >= 60
    assert sample.event is not None
    for recipient in recipients:
        composed = composer.compose(recipient)
        assert any(recipient.name in line for line in composed.addressee)
        assert composed.subject.count("\n") == 1
        assert sample.event.place[recipient.language] in composed.subject


# --- strictness and escaping -----------------------------------------------------------


def write_templates(folder: Path, body: str, cover: str = "Cover {{ reference }}\n") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for language in ("es", "en"):
        (folder / f"t.{language}.md.j2").write_text(body, encoding="utf-8")
        (folder / f"t.cover.{language}.md.j2").write_text(cover, encoding="utf-8")
    return folder


def small_letter(sample: Letter, templates: Path) -> Letter:
    return dataclasses.replace(
        sample,
        template="t",
        templates_dir=templates,
        languages=(Language.ES, Language.EN),
    )


def compose_problems(letter: Letter, recipient: Recipient | None = None) -> list[str]:
    with pytest.raises(InputError) as error:
        Composer(letter).compose(recipient or person(Language.ES))
    return [str(problem) for problem in error.value.problems]


def test_undefined_variable_is_located_in_the_template(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path, "First {{ event_place }}.\n\nSecond {{ venue }}.\n")
    assert compose_problems(small_letter(sample, templates)) == [
        f"{templates}/t.es.md.j2:3:1: undefined variable 'venue'"
    ]


def test_missing_template_points_at_the_letter(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path / "templates", "Hola.\n")
    (templates / "t.en.md.j2").unlink()
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("template:"))
    assert compose_problems(small_letter(sample, templates)) == [
        f"letters/wsis20-invitation.yaml:{line}:1: "
        f"missing template {templates}/t.en.md.j2 for language en"
    ]


def test_undefined_variable_in_the_subject_points_at_the_letter(
    sample: Letter, tmp_path: Path
) -> None:
    templates = write_templates(tmp_path, "Hola.\n")
    subject = {**sample.subject, Language.ES: "Invitación {{ venue }}"}
    letter = dataclasses.replace(small_letter(sample, templates), subject=subject)
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    line = next(n for n, text in enumerate(lines, start=1) if text.startswith("subject:"))
    assert compose_problems(letter) == [
        f"letters/wsis20-invitation.yaml:{line}:1: subject (es): undefined variable 'venue'"
    ]


def test_template_syntax_errors_are_located(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path, "Hola.\n\n{% if %}\n")
    problems = compose_problems(small_letter(sample, templates))
    assert [p.split(": ")[0] for p in problems] == [
        f"{templates}/t.en.md.j2:3:1",
        f"{templates}/t.es.md.j2:3:1",
    ]


def test_the_sandbox_refuses_internals(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path, "Hola.\n\n{{ ''.__class__.__mro__ }}\n")
    [problem] = compose_problems(small_letter(sample, templates))
    assert problem.startswith(f"{templates}/t.es.md.j2:3:1: ")


def test_numbered_lists_are_refused(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path, "Intro.\n\n1. one\n2. two\n")
    assert compose_problems(small_letter(sample, templates)) == [
        f"{templates}/t.es.md.j2:3:1: numbered lists are not supported"
    ]


def test_bullet_lists_bold_and_italic(sample: Letter, tmp_path: Path) -> None:
    templates = write_templates(tmp_path, "Intro **b** *i*\\\nnext\n\n- one\n- *two*\n")
    composed = Composer(small_letter(sample, templates)).compose(person(Language.ES))
    assert composed.body == (
        Paragraph(
            (Run("Intro "), Run("b", bold=True), Run(" "), Run("i", italic=True), Run("\nnext"))
        ),
        BulletList(((Run("one"),), (Run("two", italic=True),))),
    )


def test_a_name_cannot_inject_markup(sample: Letter, tmp_path: Path) -> None:
    line = "Dear {{ recipient.name }}, welcome.\n"
    templates = write_templates(tmp_path, line, cover=line)
    name = "*Li* [x](y) **B** <i>&amp; \\ `c` _u_\n\n- item"
    composed = Composer(small_letter(sample, templates)).compose(person(Language.ES, name=name))
    flat = name.replace("\n", " ")
    assert composed.body == (Paragraph((Run(f"Dear {flat}, welcome."),)),)
    assert composed.addressee[0] == name  # the addressee block is not markup at all
    assert composed.cover.text == f"Dear {flat}, welcome."
    assert (
        '<p style="margin: 0 0 1em;">Dear *Li* [x](y) **B** &lt;i&gt;&amp;amp; \\ `c` _u_  - item, '
        "welcome.</p>\n</div>" in composed.cover.html
    )


names = (
    st.text(
        st.characters(
            categories=("L", "M", "N", "P", "S", "Zs"),
            exclude_characters="\u2028\u2029",
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@pytest.fixture(scope="module")
def names_composer(sample: Letter, tmp_path_factory: pytest.TempPathFactory) -> Composer:
    templates = write_templates(
        tmp_path_factory.mktemp("names"), "Dear {{ recipient.name }}, welcome.\n"
    )
    return Composer(small_letter(sample, templates))


@settings(max_examples=200, deadline=None)
@given(name=names)
@example(name="نورة القحطاني")
@example(name="王伟")
@example(name="Zoe\u0308 A\u030angstro\u0308m")
@example(name="Ива́н *Петров* [x](y)")
def test_any_unicode_name_survives_composition(names_composer: Composer, name: str) -> None:
    # Right-to-left, CJK, combining marks, punctuation that is markup: all come out as given,
    # in the language's typography (an apostrophe is typographic in Spanish).
    composed = names_composer.compose(person(Language.ES, name=name, gender=Gender.FEMALE))
    assert composed.addressee[0] == typeset(f"Sra. {name}", Language.ES)
    assert composed.body == (Paragraph((Run(typeset(f"Dear {name}, welcome.", Language.ES)),)),)


def test_a_numbered_list_in_a_cover_note_is_refused_unless_covers_are_left_out(
    sample: Letter, tmp_path: Path
) -> None:
    cover = "{{ salutation }}\n\n1. one\n2. two\n"
    letter = small_letter(sample, write_templates(tmp_path, "Hola.\n", cover=cover))
    with pytest.raises(InputError) as error:
        Composer(letter).compose(person(Language.ES))
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path}/t.cover.es.md.j2:3:1: numbered lists are not supported"
    ]
    assert Composer(letter, covers=CoverMode.NONE).compose(person(Language.ES)).body


def test_a_body_that_reads_the_recipient_is_composed_for_each(
    sample: Letter, tmp_path: Path
) -> None:
    letter = small_letter(sample, write_templates(tmp_path, "Para {{ recipient.name }}.\n"))
    composer = Composer(letter)
    first = composer.compose(person(Language.ES))
    other = composer.compose(dataclasses.replace(person(Language.ES), name="Ana Ruiz"))
    assert composer._kits[Language.ES].personal_body
    assert blocks_text(first.body) != blocks_text(other.body)
    assert blocks_text(other.body) == "Para Ana Ruiz."
