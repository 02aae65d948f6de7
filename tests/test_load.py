"""load: the letter YAML, the signatory files and the recipients CSV."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from missive.errors import InputError
from missive.load import iter_recipients, load_letter, load_recipients, load_signatory, yaml_nodes
from missive.load.recipients import LINE_BREAKS, control_character_problem, normalize_address
from missive.model import Gender, Group, Honorific, Language, Letter, LetterKind, Voice

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("tests/data")
SAMPLE_LETTER = Path("letters/wsis20-invitation.yaml")
SAMPLE_RECIPIENTS = Path("recipients/wsis20-stakeholders.csv")
HEADER = "id,email,language,group,name,gender,honorific,position,organization,country,cc"


def sample_letter() -> Letter:
    """The letter the lists of these tests are read for: the built-in groups, six languages."""
    return load_letter(ROOT / SAMPLE_LETTER)


@pytest.fixture(autouse=True)
def in_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    # Messages name files as the secretariat types them: relative to the project root.
    monkeypatch.chdir(ROOT)


def problems_of(error: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def letter_problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        load_letter(path)
    return problems_of(error)


def recipient_problems(path: Path) -> list[str]:
    with pytest.raises(InputError) as error:
        load_recipients(path, sample_letter())
    return problems_of(error)


def write_csv(path: Path, *rows: str, bom: bool = False) -> Path:
    path.write_text(("\ufeff" if bom else "") + "\n".join([HEADER, *rows]) + "\n", "utf-8")
    return path


# --- the letter ----------------------------------------------------------------------


def test_mini_letter_loads_with_paths_resolved_against_the_project_root() -> None:
    letter = load_letter(DATA / "letters/mini.yaml")
    assert letter.key == "mini"
    assert letter.kind is LetterKind.PERSONAL
    assert letter.date == dt.date(2024, 1, 31)
    assert letter.languages == (Language.ES, Language.EN)
    assert letter.groups == (Group.GOVERNMENTS, Group.ACADEMIA)
    assert letter.templates_dir == DATA / "templates"
    assert letter.recipients_path == DATA / "recipients/mini.csv"
    assert [s.key for s in letter.signatories] == ["itu"]
    assert letter.locales == {Language.ES: "es_ES", Language.EN: "en_GB"}
    assert letter.links == {"forum": "http://www.wsis.org/forum"}
    assert letter.serial_pattern == "{reference}/{serial:03d}"
    assert letter.reviewers_required == 1


def test_letter_given_by_absolute_path_resolves_absolutely() -> None:
    letter = load_letter((DATA / "letters/mini.yaml").resolve())
    assert letter.recipients_path == ROOT / DATA / "recipients/mini.csv"


def test_sample_letter_carries_the_seed() -> None:
    letter = load_letter(SAMPLE_LETTER)
    assert letter.date == dt.date(2024, 1, 31)
    assert letter.reference[Language.ES] == "Evento de Alto Nivel del Foro de la CMSI+20-2024"
    assert letter.contact.name == "Gitanjali Sah"
    assert letter.contact.phone == "+41 22 730 6240"
    assert letter.event is not None
    assert letter.event.start == dt.date(2024, 5, 27)
    assert letter.event.end == dt.date(2024, 5, 31)
    assert letter.event.place[Language.ES] == "Ginebra (Suiza)"
    assert letter.deadline == dt.date(2024, 2, 15)
    assert letter.links["forum"] == "http://www.wsis.org/forum"
    assert set(letter.languages) == set(Language)
    assert letter.groups == tuple(Group)
    # Names without courtesy title; the catalogs give it by gender ("Sr.", "Sra.").
    assert [(s.name[Language.ES], s.gender) for s in letter.signatories] == [
        ("Albert Rösti", Gender.MALE),
        ("Doreen BOGDAN-MARTIN", Gender.FEMALE),
        ("Audrey Azoulay", Gender.FEMALE),
        ("Achim Steiner", Gender.MALE),
        ("Rebeca Grynspan", Gender.FEMALE),
    ]
    assert letter.voice is Voice.PLURAL
    assert letter.locales[Language.EN] == "en_GB"
    assert letter.recipients_path == SAMPLE_RECIPIENTS


def test_malformed_yaml_is_one_problem_at_the_parser_mark() -> None:
    assert letter_problems(DATA / "letters/malformed.yaml") == [
        "tests/data/letters/malformed.yaml:4:7: malformed YAML: expected ',' or ']', but got ':'"
    ]


def test_unknown_key_suggests_the_right_one() -> None:
    assert letter_problems(DATA / "letters/unknown-key.yaml") == [
        "tests/data/letters/unknown-key.yaml:1:1: letter: missing key 'reference'",
        "tests/data/letters/unknown-key.yaml:9:1: "
        "unknown key 'refrence', did you mean 'reference'?",
    ]


def test_unknown_signatory() -> None:
    assert letter_problems(DATA / "letters/unknown-signatory.yaml") == [
        "tests/data/letters/unknown-signatory.yaml:28:20: "
        "unknown signatory 'unesko', did you mean 'unesco'?"
    ]


def test_missing_translation_of_a_value() -> None:
    assert letter_problems(DATA / "letters/missing-translation.yaml") == [
        "tests/data/letters/missing-translation.yaml:10:3: reference: missing translation for 'en'"
    ]


def test_language_offered_without_its_templates() -> None:
    path = "tests/data/letters/missing-template.yaml"
    assert letter_problems(Path(path)) == [
        f"{path}:34:11: missing template tests/data/templates/mini.cover.fr.md.j2 for language fr",
        f"{path}:34:11: missing template tests/data/templates/mini.fr.md.j2 for language fr",
    ]


def test_unknown_language_offered() -> None:
    assert letter_problems(DATA / "letters/unknown-language.yaml") == [
        "tests/data/letters/unknown-language.yaml:4:17: "
        "unknown language 'de'; expected one of ar, zh, en, fr, ru, es"
    ]


def test_every_problem_of_a_letter_is_reported_at_once(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    text = (ROOT / DATA / "letters/mini.yaml").read_text("utf-8")
    text = text.replace("kind: personal", "kind: persnal")
    text = text.replace("date: 2024-01-31", "date: 2024-13-01")
    text = text.replace("start: 2024-05-27", "start: 2024-06-27")
    text = text.replace("email: wsis-info@itu.int", "email: wsis-info")
    text = text.replace('"{reference}/{serial:03d}"', '"{ref}/{serial}"')
    text = text.replace(
        "signatories_dir: ../../signatories", f"signatories_dir: {ROOT}/signatories"
    )
    path = letters / "bad.yaml"
    path.write_text(text + "page_size: A5\nreviewers_required: 0\n", "utf-8")
    messages = [p.split(": ", 1)[1] for p in letter_problems(path)]
    assert messages == [
        "unknown kind 'persnal', did you mean 'personal'?",
        "date must be a date written YYYY-MM-DD, not '2024-13-01'",
        "serial_pattern: unknown field {ref}; use {reference} and {serial}",
        "contact.email: invalid e-mail address 'wsis-info': An email address must have an @-sign.",
        "event.end is before event.start",
        f"templates folder not found '{tmp_path}/templates'",
        "unknown page size 'A5'; expected one of A4, Letter",
        "reviewers_required must be at least 1",
    ]


def test_missing_letter_file() -> None:
    assert letter_problems(Path("letters/nope.yaml")) == ["letters/nope.yaml:1:1: file not found"]


@pytest.mark.parametrize("key", ["ch-detec", "itu", "unesco", "undp", "unctad", "un-desa"])
def test_signatories_are_written_in_all_six_languages(key: str) -> None:
    signatory = load_signatory(Path(f"signatories/{key}.yaml"))
    assert signatory.key == key
    for texts in (signatory.name, signatory.title, signatory.organization):
        assert set(texts) == set(Language)


def test_signatory_missing_a_language_is_located_in_its_file(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: {en: Mr X}\ntitle: {en: T}\norganization: {en: O}\nphoto: x\n")
    with pytest.raises(InputError) as error:
        load_signatory(path, (Language.EN, Language.FR))
    assert problems_of(error) == [
        f"{path}:1:7: name: missing translation for 'fr'",
        f"{path}:2:8: title: missing translation for 'fr'",
        f"{path}:3:15: organization: missing translation for 'fr'",
        f"{path}:4:1: unknown key 'photo'",
    ]


# --- the recipients --------------------------------------------------------------------


def test_sample_recipients_cover_every_language_group_and_script() -> None:
    recipients = load_recipients(SAMPLE_RECIPIENTS, sample_letter())
    assert len(recipients) >= 60
    assert {r.language for r in recipients} == set(Language)
    assert {r.group for r in recipients} == set(Group)
    assert {r.gender for r in recipients} == set(Gender)
    scripts = {unicodedata.name(r.name[0]).split()[0] for r in recipients}
    assert {"ARABIC", "CJK", "CYRILLIC", "LATIN"} <= scripts
    assert any(r.honorific for r in recipients)
    assert any(len(r.cc) > 1 for r in recipients)
    assert any(not r.email.isascii() for r in recipients)
    assert all("delegation_code" in r.extra for r in recipients)
    assert len({r.id for r in recipients}) == len(recipients)


def test_a_row_becomes_a_recipient(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        "a1,Ana@Example.org,es,civil-society,Ana Gómez,female,doctor,Directora,ONG,es,"
        "b@example.org; c@example.org",
    )
    (recipient,) = load_recipients(path, sample_letter())
    assert recipient.email == "Ana@example.org"
    assert recipient.country == "ES"
    assert recipient.honorific is Honorific.DOCTOR
    assert recipient.cc == ("b@example.org", "c@example.org")
    assert recipient.line == 2
    assert recipient.extra == {}


def test_bom_file_is_accepted() -> None:
    letter = sample_letter()
    assert load_recipients(DATA / "recipients/bom.csv", letter) == load_recipients(
        DATA / "recipients/mini.csv", letter
    )


def test_bad_email() -> None:
    assert recipient_problems(DATA / "recipients/bad-email.csv") == [
        "tests/data/recipients/bad-email.csv:3:2: invalid e-mail address 'john@@example.org': "
        "The part after the @-sign contains invalid characters: '@'."
    ]


def test_unknown_language_in_a_row() -> None:
    assert recipient_problems(DATA / "recipients/unknown-language.csv") == [
        "tests/data/recipients/unknown-language.csv:4:3: "
        "unknown language 'de'; expected one of ar, zh, en, fr, ru, es"
    ]


def test_duplicate_id_names_the_first_line() -> None:
    assert recipient_problems(DATA / "recipients/duplicate-id.csv") == [
        "tests/data/recipients/duplicate-id.csv:4:1: duplicate id 'm1' (first on line 2)"
    ]


def test_line_break_in_name_and_physical_line_numbers_after_it() -> None:
    assert recipient_problems(DATA / "recipients/line-break.csv") == [
        "tests/data/recipients/line-break.csv:3:5: line break in name",
        "tests/data/recipients/line-break.csv:5:10: unknown country code 'XX': no UN name",
    ]


def test_control_characters_in_header_bound_fields(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        'a1,a@example.org,en,academia,A,male,"excellency\u2028",P,"Org\r",GB,b@example.org\t',
    )
    assert recipient_problems(path) == [
        f"{path}:2:7: line break in honorific",
        f"{path}:2:9: line break in organization",
        f"{path}:2:11: control character U+0009 in cc",
    ]


def test_the_first_line_break_or_control_character_is_the_one_reported() -> None:
    for code in range(0x110000):
        character = chr(code)
        if character in LINE_BREAKS:
            expected = "line break in name"
        elif unicodedata.category(character) == "Cc":
            expected = f"control character U+{code:04X} in name"
        else:
            expected = "control character U+0007 in name"
        assert control_character_problem(f"Ana{character}\x07", "name") == expected
    assert control_character_problem("Ana García \u200f", "name") is None


ADDRESSES = (
    "ana@example.org",
    "Ana.Garcia+1@EXAMPLE.org",
    "ana@example.org.",
    "b@mcit.gov.eg",
    "c@bücher.example",
    "d@XN--BCHER-KVA.example",
    "e@例え.テスト.example",
    "f@test",
    "g@localhost",
    "h@-bad.org",
    "i@ab--cd.org",
    "j@" + "a" * 64 + ".org",
    "k" * 60 + "@" + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".org",
    "l@exa mple.org",
    "m@example..org",
    "postmaster@Example.ORG",
)


def address_outcome(address: str) -> str:
    try:
        return normalize_address(address)
    except ValueError as error:
        return f"refused: {error}"


def test_each_domain_is_checked_once_with_the_same_outcome(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    address_outcome("ana@example.org")
    module = importlib.import_module("email_validator.validate_email")
    remembered = module.validate_email_domain_name
    with monkeypatch.context() as patch:  # email_validator as published, checking every time
        patch.setattr(module, "validate_email_domain_name", remembered.__wrapped__)
        expected = [address_outcome(address) for address in ADDRESSES]
    assert module.validate_email_domain_name is remembered
    hits = remembered.cache_info().hits
    for _ in range(2):
        assert [address_outcome(address) for address in ADDRESSES] == expected
    assert remembered.cache_info().hits > hits
    assert expected[1] == "Ana.Garcia+1@example.org"
    assert expected[4] == "c@bücher.example"
    assert expected[7].startswith("refused: ")


def test_every_row_problem_at_once(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        "a1,a@example.org,de,goverments,,f,,P,O,XX,nope",
        "a2,b@example.org,en,academia,B,male,,P,O,GB",
    )
    assert recipient_problems(path) == [
        f"{path}:2:3: unknown language 'de'; expected one of ar, zh, en, fr, ru, es",
        f"{path}:2:4: unknown group 'goverments', did you mean 'governments'?",
        f"{path}:2:5: empty name",
        f"{path}:2:6: unknown gender 'f'; expected one of female, male, unspecified",
        f"{path}:2:10: unknown country code 'XX': no UN name",
        f"{path}:2:11: invalid e-mail address 'nope': An email address must have an @-sign.",
        f"{path}:3:11: row has 10 fields but the header has 11",
    ]


def test_missing_columns_are_reported_at_line_one(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,e-mail,langauge,group,name,gender,position,organization\n", "utf-8")
    assert recipient_problems(path) == [
        f"{path}:1:1: missing column 'country'",
        f"{path}:1:1: missing column 'email', did you mean 'e-mail'?",
        f"{path}:1:1: missing column 'language', did you mean 'langauge'?",
    ]


def test_iter_recipients_yields_good_rows_then_raises(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        "a1,a@example.org,en,academia,A,male,,P,O,GB,",
        "a2,bad,en,academia,B,male,,P,O,GB,",
        "a3,c@example.org,en,academia,C,male,,P,O,GB,",
    )
    seen: list[str] = []
    with pytest.raises(InputError) as error:
        for recipient in iter_recipients(path, sample_letter()):
            seen.append(recipient.id)
    assert seen == ["a1", "a3"]
    assert [p.line for p in error.value.problems] == [3]


# Names people really have: any letter, mark, number, punctuation or space, with Arabic,
# CJK, Cyrillic and combining marks drawn often.
NAME_CHARACTERS = st.one_of(
    st.characters(min_codepoint=0x0600, max_codepoint=0x06FF),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    st.characters(min_codepoint=0x0400, max_codepoint=0x04FF),
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),
    st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")),
)
NAMES = st.text(NAME_CHARACTERS, min_size=1, max_size=40).filter(
    lambda name: name.strip() == name and name != ""
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(names=st.lists(NAMES, min_size=1, max_size=5))
def test_unicode_names_round_trip_unchanged(tmp_path: Path, names: list[str]) -> None:
    path = tmp_path / "names.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(HEADER.split(","))
        for index, name in enumerate(names):
            fields = [f"r{index}", "a@example.org", "ar", "academia", name, "female"]
            writer.writerow([*fields, "", "P", name, "EG", ""])
    recipients = load_recipients(path, sample_letter())
    assert [r.name for r in recipients] == names
    assert [r.organization for r in recipients] == names


def test_wrong_types_and_duplicate_keys_are_located(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    text = (ROOT / DATA / "letters/mini.yaml").read_text("utf-8")
    text = text.replace("groups: [governments, academia]", "groups: governments")
    text = text.replace("  forum: http://www.wsis.org/forum", "  forum: www.wsis.org/forum")
    text = text.replace("signatories: [itu]", "signatories: [itu, itu]")
    text = text.replace(
        "signatories_dir: ../../signatories", f"signatories_dir: {ROOT}/signatories"
    )
    path = letters / "types.yaml"
    path.write_text(text + "date: 2024-02-01\nreviewers_required: 0x10\nvariables: [a]\n", "utf-8")
    messages = [p.split(":", 3)[1:] for p in letter_problems(path)]
    assert messages == [
        ["5", "9", " groups must be a list"],
        ["24", "10", " links.forum: not an http(s) or mailto URL"],
        ["28", "20", " signatory 'itu' is listed twice"],
        ["30", "11", f" templates folder not found '{tmp_path}/templates'"],
        ["37", "1", " letter: duplicate key 'date'"],
        ["38", "21", " reviewers_required must be a whole number written in decimal"],
        ["39", "12", " variables must be a mapping of keys to values"],
    ]


def test_signatories_folder_not_found(tmp_path: Path) -> None:
    letters = tmp_path / "letters"
    letters.mkdir()
    path = letters / "x.yaml"
    text = (ROOT / DATA / "letters/mini.yaml").read_text("utf-8")
    path.write_text(text.replace("../../signatories", "people"), "utf-8")
    problems = letter_problems(path)
    expected = f"{path}:29:18: signatories folder not found '{tmp_path}/people'"
    assert expected in problems


def test_empty_letter_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text("# nothing yet\n", "utf-8")
    assert letter_problems(path) == [f"{path}:1:1: the file is empty"]


def test_a_file_not_in_utf8_is_located_at_its_first_bad_line(tmp_path: Path) -> None:
    rows = [f"a{n},a{n}@example.org,fr,academia,Anne,female,,P,O,FR," for n in range(400)]
    path = write_csv(tmp_path / "r.csv", *rows)
    path.write_bytes(
        path.read_bytes() + "z1,z@example.org,fr,academia,Zoé,female,,P,O,FR,\n".encode("latin-1")
    )
    assert recipient_problems(path) == [
        f'{path}:402:1: not valid UTF-8 text (in Excel, save as "CSV UTF-8")'
    ]


def node_positions(node: yaml.Node) -> Iterator[tuple[str, str, int, int, object]]:
    """Every node's kind, tag, start and scalar value, depth first."""
    value = node.value if isinstance(node.value, str) else None
    yield type(node).__name__, node.tag, node.start_mark.line, node.start_mark.column, value
    children = node.value if isinstance(node.value, list) else []
    for child in children:
        for part in child if isinstance(child, tuple) else (child,):
            yield from node_positions(part)


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "letters").glob("*.yaml")) + sorted((ROOT / "signatories").glob("*.yaml")),
    ids=lambda path: path.name,
)
def test_libyaml_gives_the_nodes_and_positions_pyyaml_gives(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    fast = yaml.compose(text, Loader=yaml_nodes._FAST_LOADER)
    pure = yaml.compose(text, Loader=yaml.SafeLoader)
    assert yaml_nodes._FAST_LOADER is yaml.CSafeLoader  # the wheels carry libyaml
    assert fast is not None and pure is not None
    assert list(node_positions(fast)) == list(node_positions(pure))
