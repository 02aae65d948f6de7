"""serials: a recipient keeps its number across runs; no two recipients share one."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from missive.errors import InputError
from missive.load import load_letter, load_recipients
from missive.load.serials import assign_serials, format_reference, read_registry, registry_path
from missive.model import Letter

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def letter(tmp_path: Path) -> Letter:
    """The mini letter, moved (on paper) into a scratch folder where its registry goes."""
    loaded = load_letter(ROOT / "tests/data/letters/mini.yaml")
    path = tmp_path / "letters" / "mini.yaml"
    path.parent.mkdir()
    path.write_bytes(loaded.path.read_bytes())
    return dataclasses.replace(loaded, path=path)


def test_new_ids_get_the_next_numbers_in_list_order(letter: Letter) -> None:
    serials = assign_serials(letter, ["b", "a", "c", "a"], persist=True)
    assert serials == {"b": 1, "a": 2, "c": 3}
    assert registry_path(letter).read_text("utf-8") == "id,serial\nb,1\na,2\nc,3\n"


def test_serials_survive_runs_and_later_additions(letter: Letter) -> None:
    assign_serials(letter, ["a", "b", "c"], persist=True)
    # "b" left the list, "x" and "y" joined it (one of them in the middle).
    again = assign_serials(letter, ["x", "a", "c", "y"], persist=True)
    assert again == {"x": 4, "a": 1, "c": 3, "y": 5}
    assert read_registry(registry_path(letter)) == {"a": 1, "b": 2, "c": 3, "x": 4, "y": 5}


def test_check_assigns_without_writing(letter: Letter) -> None:
    assign_serials(letter, ["a"], persist=True)
    assert assign_serials(letter, ["a", "b"], persist=False) == {"a": 1, "b": 2}
    assert read_registry(registry_path(letter)) == {"a": 1}
    assert not list(registry_path(letter).parent.glob(".*"))  # no temporary file left


def test_concurrent_runs_never_share_a_number(letter: Letter) -> None:
    batches = [[f"{worker}-{n}" for n in range(50)] for worker in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda ids: assign_serials(letter, ids, persist=True), batches))
    numbers = [serial for result in results for serial in result.values()]
    assert sorted(numbers) == list(range(1, 201))
    assert read_registry(registry_path(letter)) == {k: v for r in results for k, v in r.items()}


def test_damaged_registry_is_a_located_problem(letter: Letter) -> None:
    path = registry_path(letter)
    path.write_text("id,serial\na,1\nb,one\nc,1\n", "utf-8")
    with pytest.raises(InputError) as error:
        assign_serials(letter, ["a"], persist=False)
    assert [str(p) for p in error.value.problems] == [
        f"{path}:3:1: expected id,serial with a serial >= 1",
        f"{path}:4:1: id or serial given twice: c",
    ]


def test_reference_pattern(letter: Letter) -> None:
    assert format_reference(letter, "Ref", 7) == "Ref/007"
    assert format_reference(letter, "Ref", None) == "Ref"
    assert format_reference(dataclasses.replace(letter, serial_pattern=None), "Ref", 7) == "Ref"


def test_sample_registry_is_committed_for_every_sample_recipient() -> None:
    letter = load_letter(ROOT / "letters/wsis20-invitation.yaml")
    ids = [r.id for r in load_recipients(letter.recipients_path, letter)]
    registry = read_registry(registry_path(letter))
    assert assign_serials(letter, ids, persist=False) == {i: registry[i] for i in ids}
    assert sorted(registry.values()) == list(range(1, len(registry) + 1))


def test_a_letter_without_a_serial_pattern_numbers_nothing_and_writes_nothing(
    letter: Letter,
) -> None:
    plain = dataclasses.replace(letter, serial_pattern=None)
    assert assign_serials(plain, ["a", "b"], persist=True) == {}
    assert not registry_path(plain).exists()
    assert list(plain.path.parent.iterdir()) == [plain.path]
