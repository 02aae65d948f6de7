"""missive/data/un-country-names.csv: the UN's short names, complete and well formed."""

from __future__ import annotations

import csv
from pathlib import Path

import babel
import pytest

from missive.data.countries import SOURCES, TABLE, country_codes, country_name, un_country_names
from missive.errors import InputError
from missive.load import load_letter, load_recipients
from missive.model import Language

SAMPLE = Path(__file__).resolve().parent.parent / "letters" / "wsis20-invitation.yaml"
HEADER = "id,email,language,group,name,gender,honorific,position,organization,country\n"


def test_every_row_names_the_code_in_the_six_languages() -> None:
    with TABLE.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["code", "ar", "zh", "en", "fr", "ru", "es", "source"]
    codes = [row["code"] for row in rows]
    assert codes == sorted(set(codes))
    assert len(codes) == 257
    for row in rows:
        assert len(row["code"]) == 2 and row["code"].isupper(), row
        for language in Language:
            assert row[language.value].strip() == row[language.value] != "", row
        assert row["source"] in SOURCES


def test_every_country_code_cldr_knows_is_named() -> None:
    """A list that was valid with CLDR's codes stays valid: no code is lost."""
    territories = babel.Locale("en").territories
    cldr = {str(code) for code in territories if len(str(code)) == 2 and str(code).isalpha()}
    not_countries = {"ZZ", "QO", "EU", "EZ", "UN", "XA", "XB"}
    assert country_codes() == cldr - not_countries


@pytest.mark.parametrize(
    ("code", "names"),
    [
        ("RU", ("الاتحاد الروسي", "俄罗斯联邦", "Russian Federation", "Fédération de Russie",
                "Российская Федерация", "Federación de Rusia")),
        ("BO", ("بوليفيا (دولة - المتعددة القوميات)", "多民族玻利维亚国",
                "Bolivia (Plurinational State of)", "Bolivie (État plurinational de)",
                "Боливия (Многонациональное Государство)", "Bolivia (Estado Plurinacional de)")),
        ("VA", ("الكرسي الرسولي", "教廷", "Holy See", "Saint-Siège", "Святой Престол",
                "Santa Sede")),
        ("PS", ("دولة فلسطين", "巴勒斯坦国", "State of Palestine", "État de Palestine",
                "Государство Палестина", "Estado de Palestina")),
        ("KG", ("قيرغيزستان", "吉尔吉斯斯坦", "Kyrgyzstan", "Kirghizistan", "Кыргызстан",
                "Kirguistán")),
        ("TR", ("تركيا", "土耳其", "Türkiye", "Türkiye", "Турция", "Türkiye")),
        ("TW", ("مقاطعة تايوان الصينية", "中国台湾省", "Taiwan Province of China",
                "Taïwan (province de Chine)", "Тайвань (провинция Китая)",
                "Provincia china de Taiwán")),
        ("NL", ("هولندا (مملكة -)", "荷兰王国", "Netherlands (Kingdom of the)",
                "Pays-Bas (Royaume des)", "Нидерланды (Королевство)",
                "Países Bajos (Reino de los)")),
    ],
)  # fmt: skip
def test_un_short_names(code: str, names: tuple[str, ...]) -> None:
    assert tuple(country_name(code, language) for language in Language) == names


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("US", "United States of America"),
        ("CI", "Côte d’Ivoire"),
        ("KP", "Democratic People's Republic of Korea"),
        ("IR", "Iran (Islamic Republic of)"),
        ("GB", "United Kingdom of Great Britain and Northern Ireland"),
        ("VE", "Venezuela (Bolivarian Republic of)"),
        ("VN", "Viet Nam"),
        ("MD", "Republic of Moldova"),
        ("LA", "Lao People's Democratic Republic"),
        ("SY", "Syrian Arab Republic"),
    ],
)
def test_english_short_names(code: str, name: str) -> None:
    assert un_country_names()[code][Language.EN] == name


def test_a_code_with_no_un_name_is_reported_where_it_is(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    rows = [
        "a,a@example.org,en,governments,A,male,,,,EU\n",
        "b,b@example.org,fr,governments,B,female,,,,ZZ\n",
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_recipients(path, load_letter(SAMPLE))
    assert [str(p) for p in error.value.problems] == [
        f"{path}:2:10: unknown country code 'EU': no UN name",
        f"{path}:3:10: unknown country code 'ZZ': no UN name",
    ]
