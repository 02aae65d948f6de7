"""What a letter says, as a UN editor reads it in the real PDFs of both samples (issue 25):
the UN's country names, salutations by rank, closings that agree with the letter's voice,
French and Chinese typography, the Chinese address block, and the cover e-mail's subject.

Both samples are rendered once, as `render` renders them; the text is read back with
poppler's `pdftotext`, as a reviewer's tool reads it.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from letter_project import write_project
from pdf_reading import has_pdftotext, poppler_text

from missive.app.render_batch import BatchOptions, render_batch
from missive.compose.composer import Composer, CoverMode
from missive.deliver.message import build_message
from missive.errors import InputError
from missive.load import load_letter, load_recipients

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("wsis20-invitation", "egov-survey-reminder")
SENT = dt.datetime(2024, 1, 31, 9, 0, tzinfo=dt.UTC)
FRENCH_ROW = "f1,f1@example.org,fr,,Claire Martin,female,,,,FR"

pytestmark = pytest.mark.skipif(not has_pdftotext(), reason="needs poppler's pdftotext")


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ "<letter>/<recipient id>" -> its PDF, for every recipient of both samples."""
    found: dict[str, Path] = {}
    for name in SAMPLES:
        out = tmp_path_factory.mktemp(name)
        options = BatchOptions(jobs=1, persist_serials=False)
        render_batch(ROOT / "letters" / f"{name}.yaml", out, options)
        for entry in json.loads((out / "manifest.json").read_text(encoding="utf-8")):
            found[f"{name}/{entry['recipient']}"] = out / entry["pdf"]
    return found


def text(pdfs: dict[str, Path], key: str, page: int | None = None) -> str:
    """The text as pdftotext reads it, Arabic presentation forms folded to letters (NFKC,
    which would also fold Chinese full-width punctuation: only those), no bidi controls."""
    read = poppler_text(pdfs[key].read_bytes(), page=page)
    return "".join(_letter(char) for char in read if unicodedata.category(char) != "Cf")


def _letter(char: str) -> str:
    presentation_form = "\ufb50" <= char <= "\ufdff" or "\ufe70" <= char <= "\ufeff"
    return unicodedata.normalize("NFKC", char) if presentation_form else char


def lines(pdfs: dict[str, Path], key: str, page: int | None = None) -> list[str]:
    return [" ".join(line.split()) for line in text(pdfs, key, page).splitlines() if line.strip()]


def plain(found: str) -> str:
    """Spaces and apostrophes as typed: what the French typography pass changes, undone
    for the tests about other things."""
    spaced = " ".join(found.replace("\u2019", "'").split())
    # pdftotext puts the space of an Arabic comma on its other side ("لكم ،صاحب").
    return re.sub(r" ?، ?", "، ", spaced).strip()


# --- defect 3: the UN's country names ----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "un_name", "cldr_name"),
    [
        ("wsis20-invitation/ru-gov-01", "Российская Федерация", "Россия"),
        ("wsis20-invitation/ru-int-01", "Кыргызстан", "Киргизия"),
        ("wsis20-invitation/es-int-01", "Bolivia (Estado Plurinacional de)", "Bolivia"),
        ("wsis20-invitation/en-civ-01", "United States of America", "United States"),
        ("wsis20-invitation/en-gov-02", "United Kingdom of Great Britain and Northern Ireland",
         "United Kingdom"),
        ("egov-survey-reminder/en-om-01", "Holy See", "Vatican City"),
        ("egov-survey-reminder/fr-om-01", "État de Palestine", "Territoires palestiniens"),
    ],
)  # fmt: skip
def test_the_addressee_block_ends_with_the_uns_name_of_the_country(
    pdfs: dict[str, Path], key: str, un_name: str, cldr_name: str
) -> None:
    page = lines(pdfs, key, page=1)
    assert un_name in page
    assert cldr_name not in page


# --- defect 7: salutations by rank and gender, from the catalogs -------------------------

SALUTATIONS = [
    # (PDF, name line, salutation, the gender-only form it replaces)
    ("wsis20-invitation/en-gov-01", "H.E. Mr James Okafor", "Excellency,", "Dear Sir,"),
    ("wsis20-invitation/fr-gov-01", "S. E. Mme Aminata Diallo", "Madame la Ministre,", "Madame,"),
    ("wsis20-invitation/es-gov-01", "Excmo. Sr. Carlos Mendoza Ruiz",
     "Excelentísimo señor Ministro:", "Muy Señor mío:"),
    ("wsis20-invitation/ru-gov-01", "Его Превосходительство г-н Игорь Петров",
     "Ваше Превосходительство!", "Уважаемый господин!"),
    ("wsis20-invitation/zh-gov-01", "王建国先生阁下", "尊敬的王建国阁下：", "尊敬的先生："),
    ("wsis20-invitation/ar-gov-01", "معالي السيد حسن السيد", "صاحب المعالي،", "السيد المحترم،"),
    ("wsis20-invitation/ar-gov-03", "سعادة السيد سلطان المهيري", "صاحب السعادة،",
     "السيد المحترم،"),
    ("egov-survey-reminder/en-pm-01", "H.E. Ms Grace Wanjiru", "Excellency,", "Dear Madam,"),
    ("egov-survey-reminder/fr-pm-01", "S. E. Mme Aminata Diallo", "Madame l'Ambassadrice,",
     "Madame,"),
    ("egov-survey-reminder/zh-pm-01", "王伟先生阁下", "尊敬的王伟大使阁下：", "尊敬的先生："),
    ("egov-survey-reminder/ar-pm-01", "سعادة السفير عمر الشريف", "صاحب السعادة،",
     "السيد المحترم،"),
    ("wsis20-invitation/en-aca-02", "Dr Devon Campbell", "Dear Sir,", "Dear Sir/Madam,"),
    ("wsis20-invitation/fr-aca-01", "M. le Professeur François Tremblay", "Monsieur,",
     "Madame, Monsieur,"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "name_line", "salutation", "replaced"), SALUTATIONS)
def test_the_salutation_follows_the_recipients_rank_and_gender(
    pdfs: dict[str, Path], key: str, name_line: str, salutation: str, replaced: str
) -> None:
    page = [plain(line) for line in lines(pdfs, key, page=1)]
    if "/ar-" in key:
        # pdftotext puts a space inside an Arabic word where Amiri's kerning leaves a gap
        # wider than a tenth of an em ("الشر يف"; docs/render.md, the text layer).
        page = ["".join(line.split()) for line in page]
        name_line, salutation, replaced = (
            "".join(t.split()) for t in (name_line, salutation, replaced)
        )
    assert name_line in page
    assert salutation in page
    assert replaced not in page


def test_a_salutation_column_still_overrides(tmp_path: Path) -> None:
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    header, *rows = (ROOT / "recipients/wsis20-stakeholders.csv").read_text("utf-8").splitlines()
    row = next(line for line in rows if line.startswith("en-gov-01,"))
    path = tmp_path / "list.csv"
    path.write_text(f'{header},salutation\n{row},"Dear Minister,"\n', encoding="utf-8")
    [recipient] = load_recipients(path, letter)
    composed = Composer(letter).compose(recipient)
    assert (composed.salutation, composed.closing) == (
        "Dear Minister,",
        "Accept, Excellency, the assurances of our highest consideration.",
    )


def test_an_unknown_honorific_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(
        "id,email,language,group,name,gender,honorific,position,organization,country\n"
        "a,a@example.org,en,governments,A,male,H.E.,,,GB\n"
        "b,b@example.org,fr,governments,B,female,ministre,,,FR\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as error:
        load_recipients(path, load_letter(ROOT / "letters/wsis20-invitation.yaml"))
    assert [str(problem) for problem in error.value.problems] == [
        f"{path}:2:7: unknown honorific 'H.E.'; expected one of excellency, minister, "
        "ambassador, doctor, professor",
        f"{path}:3:7: unknown honorific 'ministre', did you mean 'minister'?",
    ]


# --- defect 8: the closing agrees with the letter's voice ----------------------------------

CLOSINGS = [
    # (PDF, closing, a form of the other voice)
    ("egov-survey-reminder/fr-pm-01",
     "Veuillez agréer, Madame l'Ambassadrice, l'assurance de ma très haute considération.",
     "notre"),
    ("egov-survey-reminder/fr-pm-02",
     "Veuillez agréer, Monsieur, l'assurance de ma haute considération.", "notre"),
    ("egov-survey-reminder/en-pm-01",
     "Accept, Excellency, the assurances of my highest consideration.", "our highest"),
    ("egov-survey-reminder/ar-pm-01",
     "وتفضلوا، صاحب السعادة، بقبول أسمى آيات تقديري واحترامي.", "تقديرنا"),
    ("wsis20-invitation/fr-gov-01",
     "Veuillez agréer, Madame la Ministre, l'assurance de notre très haute considération.",
     "de ma "),
    ("wsis20-invitation/fr-pri-01",
     "Veuillez agréer, Madame, l'assurance de notre haute considération.", "de ma "),
    ("wsis20-invitation/en-gov-01",
     "Accept, Excellency, the assurances of our highest consideration.", "my highest"),
    ("wsis20-invitation/es-gov-01",
     "Aprovechamos la oportunidad para reiterar a Vuestra Excelencia el testimonio de "
     "nuestra más alta consideración.", "Aprovecho"),
    ("wsis20-invitation/ru-gov-01",
     "Примите, Ваше Превосходительство, уверения в нашем самом высоком уважении.", "моем"),
    ("wsis20-invitation/ar-gov-01",
     "وتفضلوا، صاحب المعالي، بقبول أسمى آيات تقديرنا واحترامنا.", "تقديري"),
]  # fmt: skip


@pytest.mark.parametrize(("key", "closing", "other_voice"), CLOSINGS)
def test_the_closing_agrees_with_the_voice_and_the_rank(
    pdfs: dict[str, Path], key: str, closing: str, other_voice: str
) -> None:
    whole = plain(" ".join(lines(pdfs, key)))
    assert closing in whole
    assert other_voice not in whole[whole.index(closing) :]


def test_a_letter_without_a_voice_is_reported_at_its_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "letters"
    folder.mkdir()
    text = (ROOT / "letters/egov-survey-reminder.yaml").read_text(encoding="utf-8")
    text = text.replace("voice: singular\n", "").replace("../", str(ROOT) + "/")
    for key in ("templates_dir", "recipients"):
        text = text.replace(f"{key}: ", f"{key}: {ROOT}/")
    path = folder / "reminder.yaml"
    path.write_text(text + "signatories_dir: " + str(ROOT / "signatories") + "\n", "utf-8")
    with pytest.raises(InputError) as error:
        load_letter(path)
    messages = [str(problem) for problem in error.value.problems]
    first_key = 1 + next(n for n, line in enumerate(text.splitlines()) if line[:1].isalpha())
    assert f"{path}:{first_key}:1: letter: missing key 'voice'" in messages
    with_plural = text.replace("kind: personal", "kind: personal\nvoice: plurals")
    path.write_text(with_plural + "signatories_dir: " + str(ROOT / "signatories") + "\n", "utf-8")
    with pytest.raises(InputError) as error:
        load_letter(path)
    line = 1 + with_plural.splitlines().index("voice: plurals")
    assert f"{path}:{line}:8: unknown voice 'plurals', did you mean 'plural'?" in [
        str(problem) for problem in error.value.problems
    ]


# --- defect 10: Chinese conventions --------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "block"),
    [
        ("wsis20-invitation/zh-gov-01", ["中国", "数字发展部", "副部长", "王建国先生阁下"]),
        ("egov-survey-reminder/zh-pm-01",
         ["中国", "中华人民共和国常驻联合国代表团", "常驻代表", "王伟先生阁下"]),
        ("wsis20-invitation/zh-civ-02", ["马来西亚", "乡村数字包容基金会", "项目主任", "赵敏女士"]),
    ],
)  # fmt: skip
def test_the_chinese_address_block_runs_from_the_country_down_to_the_name(
    pdfs: dict[str, Path], key: str, block: list[str]
) -> None:
    page = lines(pdfs, key, page=1)
    start = page.index(block[0])
    assert page[start : start + len(block)] == block


def test_chinese_signatures_carry_no_courtesy_title_and_full_width_punctuation(
    pdfs: dict[str, Path],
) -> None:
    whole = text(pdfs, "wsis20-invitation/zh-gov-01")
    names = [
        "阿尔伯特·罗斯蒂",
        "多琳·伯格丹-马丁",
        "奥德蕾·阿祖莱",
        "阿奇姆·施泰纳",
        "丽贝卡·格林斯潘",
    ]
    page = lines(pdfs, "wsis20-invitation/zh-gov-01")
    assert all(name in page for name in names)
    assert not any(f"{name}{title}" in whole for name in names for title in ("先生", "女士"))
    assert whole.count("（签名）") == 5
    assert "[" not in whole and "]" not in whole
    reminder = text(pdfs, "egov-survey-reminder/zh-pm-01")
    assert "阿米娜·拉赫曼\n" in reminder and "拉赫曼女士" not in reminder


# --- defect 1: the cover e-mail's subject on one line ----------------------------------

SUBJECTS = {
    "ar-gov-01": "دعوة إلى الحدث الرفيع المستوى لمنتدى القمة العالمية لمجتمع المعلومات+20، "
    "27–31 مايو 2024، جنيف، سويسرا",
    "zh-gov-01": "邀请参加信息社会世界峰会（WSIS）+20论坛高级别活动，"
    "2024年5月27日至31日，日内瓦（瑞士）",
    "en-gov-01": "Invitation to the World Summit on the Information Society (WSIS)+20 Forum "
    "High-Level Event, 27–31 May 2024, Geneva, Switzerland",
    "fr-gov-01": "Invitation à la Manifestation de haut niveau du Forum du Sommet mondial sur la "
    "société de l'information (SMSI)+20, 27-31 mai 2024, Genève (Suisse)",
    "ru-gov-01": "Приглашение на Мероприятие высокого уровня Форума Всемирной встречи на высшем "
    "уровне по вопросам информационного общества (ВВУИО)+20, 27–31 мая 2024 г., Женева, "
    "Швейцария",
    "es-gov-01": "Invitación al Evento de Alto Nivel del Foro de la Cumbre Mundial sobre la "
    "Sociedad de la Información (CMSI)+20, 27–31 de mayo de 2024, Ginebra (Suiza)",
}


def test_the_e_mail_subject_joins_the_subjects_lines_with_the_languages_separator(
    pdfs: dict[str, Path],
) -> None:
    """The message `send` builds, read back: its Subject header."""
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    recipients = {r.id: r for r in load_recipients(letter.recipients_path, letter)}
    composer = Composer(letter, covers=CoverMode.FULL)
    for rid, subject in SUBJECTS.items():
        composed = composer.compose(recipients[rid])
        assert composed.subject.count("\n") == 1  # two lines in the PDF
        pdf = pdfs[f"wsis20-invitation/{rid}"].read_bytes()
        built = build_message(composed, pdf, mail=letter.mail, batch_id="b", date=SENT)
        message = email.message_from_bytes(built.data, policy=email.policy.default)
        assert plain(str(message["Subject"])) == subject


# --- defect 8: French (and English, Spanish, Chinese) typography in every text ------------


@pytest.mark.parametrize(
    ("key", "set_texts"),
    [
        ("egov-survey-reminder/fr-pm-01",
         ["Madame l’Ambassadrice,", "l’Enquête des Nations Unies",
          "Veuillez agréer, Madame l’Ambassadrice, l’assurance de ma très haute considération."]),
        ("wsis20-invitation/fr-gov-01",
         ["l’Union internationale des télécommunications", "Ministre de la communication et de "
          "l’économie numérique", "Chef du Département fédéral de"]),
        ("egov-survey-reminder/en-io-01", ["Dr Sarah O’Neill"]),
        ("wsis20-invitation/en-gov-01", ["In today’s rapidly evolving digital environment"]),
    ],
)  # fmt: skip
def test_apostrophes_are_typographic_in_french_and_english(
    pdfs: dict[str, Path], key: str, set_texts: list[str]
) -> None:
    whole = " ".join(lines(pdfs, key))
    for set_text in set_texts:
        assert set_text in whole
    # No straight apostrophe is left: the letters' addresses hold none to keep.
    assert "'" not in whole


FRENCH_PUNCTUATION = (
    "Rappel : la note ; le point ! la question ? le renvoi « cité » encore : "
    "une suite de mots longs ; et courts ! puis « une citation » ? fin : "
)


def test_french_punctuation_never_starts_a_line_and_guillemets_hold_their_words(
    tmp_path: Path,
) -> None:
    """No-break spaces, read back from the PDF: in a long paragraph of French with a space
    before every colon, semicolon, exclamation and question mark and inside every pair of
    guillemets, no line starts with one of those marks or ends on an opening guillemet."""
    body = {"fr": FRENCH_PUNCTUATION * 12, "en": "Body."}
    path = write_project(tmp_path, {"voice": "plural"}, [FRENCH_ROW], body=body)
    letter = load_letter(path)
    [recipient] = load_recipients(letter.recipients_path, letter)
    composed = Composer(letter, covers=CoverMode.NONE).compose(recipient)
    body_text = "".join(run.text for run in composed.body[0].runs)  # type: ignore[union-attr]
    spaced = "Rappel\u00a0: la note\u202f; le point\u202f! la question\u202f? le renvoi"
    assert f"{spaced} «\u00a0cité\u00a0»" in body_text
    out = tmp_path / "pdf"
    render_batch(path, out, BatchOptions(jobs=1, persist_serials=False))
    read = poppler_text((out / "f1.pdf").read_bytes())
    printed = [line.strip() for line in read.splitlines() if line.strip()]
    assert sum(line.count("Rappel") for line in printed) == 12  # the whole paragraph is there
    assert not [line for line in printed if line[0] in ":;!?»"]
    assert not [line for line in printed if line.endswith("«")]


def test_the_cover_e_mail_is_set_as_the_letter_is(pdfs: dict[str, Path]) -> None:
    letter = load_letter(ROOT / "letters/egov-survey-reminder.yaml")
    recipients = {r.id: r for r in load_recipients(letter.recipients_path, letter)}
    composed = Composer(letter, covers=CoverMode.FULL).compose(recipients["fr-pm-01"])
    pdf = pdfs["egov-survey-reminder/fr-pm-01"].read_bytes()
    built = build_message(composed, pdf, mail=letter.mail, batch_id="b", date=SENT)
    message = email.message_from_bytes(built.data, policy=email.policy.default)
    assert str(message["Subject"]).startswith("Rappel\u00a0: questionnaire destiné")
    assert "l’Enquête des Nations Unies" in str(message["Subject"])
    body = message.get_body(("plain",))
    assert body is not None
    text = body.get_content().replace("\r\n", "\n")
    assert text.startswith("Madame l’Ambassadrice,\n")
    assert "(référence\u00a0: DESA/DPIDG/EGS/2025/3)" in text
    assert "l’assurance de ma très haute considération." in text
    assert "'" not in text


# --- check: the new data's problems, all at once ---------------------------------------------


def test_check_reports_a_missing_voice_an_unknown_honorific_and_a_country_without_un_name(
    tmp_path: Path,
) -> None:
    """`send.py check` on a copy of the reminder whose letter lost its voice and whose list
    has a free-text honorific and a code the UN does not name: the three, located, at once."""
    for folder in ("letters", "templates", "recipients", "signatories"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    letter = tmp_path / "letters/egov-survey-reminder.yaml"
    text = letter.read_text(encoding="utf-8")
    letter.write_text(text.replace("voice: singular\n", ""), encoding="utf-8")
    first_key = 1 + next(n for n, line in enumerate(text.splitlines()) if line[:1].isalpha())
    listed = tmp_path / "recipients/egov-survey-missions.csv"
    rows = listed.read_text(encoding="utf-8").splitlines()
    honorific_row = next(n for n, row in enumerate(rows) if row.startswith("en-pm-01,"))
    country_row = next(n for n, row in enumerate(rows) if row.startswith("fr-om-01,"))
    rows[honorific_row] = rows[honorific_row].replace(",ambassador,", ",H.E.,")
    rows[country_row] = rows[country_row].removesuffix(",PS") + ",EU"
    listed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(ROOT / "send.py"), "check", str(letter)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{letter}:{first_key}:1: letter: missing key 'voice'",
        f"{listed}:{honorific_row + 1}:7: unknown honorific 'H.E.'; expected one of "
        "excellency, minister, ambassador, doctor, professor",
        f"{listed}:{country_row + 1}:10: unknown country code 'EU': no UN name",
        "3 problems found; nothing was done.",
    ]
