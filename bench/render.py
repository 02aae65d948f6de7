"""Benchmark of the render stage: whole commands per language and mixed, beside Typst.

    .venv/bin/python bench/render.py [--count 300] [--check-count 100000]
        [--memory-count 100000] [--every 50] [--repeat 2] [--scale-count 1200 5000]

Recipients lists are GENERATED from the sample list (rows cycled over the chosen languages,
ids and addresses made unique). What is measured:
  command   letters/s of a whole command, timed around a fresh process from start to exit
            (the best of --repeat runs; the commands a row compares run in turns, so that
            a change in the machine's speed weighs on them alike):
            missive is `python send.py render LETTER --recipients LIST --out DIR --jobs 1`,
            the command a user types (the list validated, serials kept, each letter
            composed, checked and drawn, each PDF and the manifest written), on a copy of
            the project's data so that the serials of the generated recipients are kept
            there; Typst does the same in one process (list read and numbered, each letter
            composed by missive, typeset by one reused `typst.Compiler` through
            bench/letter.typ, each PDF written) and ends as `render` ends, without the
            interpreter's teardown; per language with --count letters of that language,
            and mixed (--count cycling over all six)
  scaling   missive's mixed batch with --jobs 1 and --jobs 2, at --count and each --scale-count
  size      bytes per letter per language (missive's manifest; Typst's beside it)
  check     seconds of the `check` command (cover notes and messages, as before a send) over
            --check-count recipients, and of the validation `render` runs before composing
            (`scan_list`) over the same list
  memory    peak RSS of one process that streams --memory-count recipients, composes every
            one of them and renders one in --every, i.e. a render worker and the batch's
            main loop in a single process
  peer      renderers alone on the same composed letters, in-process: missive's Renderer,
            Typst and WeasyPrint (bench/peers.py)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.peers import TypstPeer, WeasyPrintPeer  # noqa: E402
from missive.app.check import (  # noqa: E402
    CheckRequest,
    RecipientCheck,
    check_letter,
    scan_list,
)
from missive.compose.composer import Composer, CoverMode  # noqa: E402
from missive.load import iter_recipients, load_letter  # noqa: E402
from missive.load.serials import assign_serials  # noqa: E402
from missive.model import ComposedLetter, Language  # noqa: E402
from missive.render.pdf import Renderer  # noqa: E402

SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"
SOURCE = ROOT / "recipients" / "wsis20-stakeholders.csv"
MIXED = "mixed"


def generate_recipients(
    source: Path, target: Path, count: int, languages: Collection[str] = ()
) -> None:
    """`count` rows cycling over `languages` (all of `source`'s if empty), ids made unique."""
    with source.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    by_language: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_language[row["language"]].append(row)
    chosen = sorted(languages or by_language)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        for index in range(count):
            pool = by_language[chosen[index % len(chosen)]]
            row = dict(pool[(index // len(chosen)) % len(pool)])
            local, domain = row["email"].split("@", 1)
            row["id"] = f"{row['id']}-{index:06d}"
            row["email"] = f"{local}+{index}@{domain}"
            row["cc"] = ""
            writer.writerow(row)


# --- what each child process runs ----------------------------------------------------------


def missive_render(letter: Path, recipients: Path, out: Path, jobs: str) -> list[str]:
    """missive's whole command: `send.py render` as a user types it."""
    return [
        sys.executable,
        str(ROOT / "send.py"),
        "render",
        str(letter),
        "--recipients",
        str(recipients),
        "--out",
        str(out),
        "--jobs",
        jobs,
    ]


def typst_render(recipients: Path, out: Path) -> list[str]:
    return [sys.executable, __file__, "--child", "Typst", str(recipients), str(out)]


def project_copy(work: Path) -> Path:
    """The sample letter in a copy of the project's data, where `render` may keep the
    serials of the generated recipients; returns the copied letter."""
    project = work / "project"
    for folder in ("letters", "templates", "signatories", "recipients"):
        shutil.copytree(ROOT / folder, project / folder)
    return project / SAMPLE.relative_to(ROOT)


def typst_command(recipients: Path, out: Path) -> None:
    """The same letters through Typst: list read and numbered, composed, typeset, written."""
    letter = load_letter(SAMPLE)
    ids = (r.id for r in iter_recipients(recipients, letter))
    composer = Composer(letter, assign_serials(letter, ids, persist=False), covers=CoverMode.NONE)
    peer = TypstPeer()
    out.mkdir(parents=True)
    sizes: list[tuple[str, int]] = []
    for recipient in iter_recipients(recipients, letter):
        data = peer.render(composer.compose(recipient))
        (out / f"{recipient.id}.pdf").write_bytes(data)
        sizes.append((recipient.language.value, len(data)))
    (out / "sizes.json").write_text(json.dumps(sizes))


def check_command(recipients: Path, kind: str) -> None:
    started = time.perf_counter()
    if kind == "full":
        count = check_letter(CheckRequest(SAMPLE, recipients)).recipients
    else:
        count = len(scan_list(SAMPLE, recipients).ids)
    print(f"{count} {time.perf_counter() - started:.2f}")


def memory_command(recipients: Path, every: int) -> None:
    """As a render with one process: the list validated and numbered, every recipient
    composed and checked, one in `every` drawn; prints peak RSS (MB) and seconds."""
    started = time.perf_counter()
    scan = scan_list(SAMPLE, recipients)
    letter = scan.letter
    composer = Composer(
        letter, assign_serials(letter, scan.ids, persist=False), covers=CoverMode.NONE
    )
    checks = RecipientCheck(letter, scan.path, scan.header, composer)
    renderer = Renderer()
    composed = rendered = 0
    for index, recipient in enumerate(iter_recipients(recipients, letter)):
        letter_value, problems = checks.compose(recipient)
        assert letter_value is not None and not problems, problems
        composed += 1
        if index % every == 0:
            renderer.render(letter_value, created=letter.date)
            rendered += 1
    elapsed = time.perf_counter() - started
    print(f"{composed} {rendered} {peak_rss_mb():.1f} {elapsed:.1f}")


def peak_rss_mb() -> float:
    """This process's own high-water RSS. Not getrusage: Linux carries ru_maxrss over
    fork+exec, so a child would report its (larger) parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(args: list[str]) -> str:
    result = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    return result.stdout


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds from start to exit
    cpu: float  # processor seconds of the command and every process it started


def timed(command: list[str]) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:  # the command's own words, not a bare exit status
        raise SystemExit(f"{' '.join(command[:4])} ... failed:\n{done.stderr[-3000:]}")
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return Timing(wall, cpu)


# --- the report ----------------------------------------------------------------------------


def load() -> str:
    """The load average, and how long this machine takes for a fixed loop of pure Python:
    a shared virtual machine's speed varies by half from one hour to the next, which the
    load average does not show, so figures from two runs compare only beside it."""
    started = time.perf_counter()
    total = 0
    for number in range(5_000_000):
        total += number
    loop = time.perf_counter() - started
    return "{:.2f} {:.2f} {:.2f}, fixed loop {:.2f} s".format(*os.getloadavg(), loop)


def missive_sizes(out: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for entry in json.loads((out / "manifest.json").read_text(encoding="utf-8")):
        found[entry["language"]].append(int(entry["bytes"]))
    return found


def typst_sizes(out: Path) -> dict[str, list[int]]:
    found: dict[str, list[int]] = defaultdict(list)
    for language, size in json.loads((out / "sizes.json").read_text()):
        found[language].append(size)
    return found


def commands(args: argparse.Namespace, work: Path) -> Iterator[str]:
    yield f"\nwhole command, one process each (load avg {load()} at start)"
    yield f"{'  letters/s':<26}{'letters':>8}{'missive':>9}{'Typst':>9}{'ratio':>8}"
    sizes: dict[str, dict[str, list[int]]] = {"missive": {}, "Typst": {}}
    letter = project_copy(work)
    for name in [*(language.value for language in Language), MIXED]:
        recipients = work / f"{name}.csv"
        languages = () if name == MIXED else (name,)
        generate_recipients(SOURCE, recipients, args.count, languages)
        outs = {engine: work / f"{engine}-{name}" for engine in ("missive", "Typst")}
        runs = {
            "missive": (missive_render(letter, recipients, outs["missive"], "1"), outs["missive"]),
            "Typst": (typst_render(recipients, outs["Typst"]), outs["Typst"]),
        }
        best = best_of_interleaved(args.repeat, list(runs.values()))
        rates = {engine: args.count / t.wall for engine, t in zip(runs, best, strict=True)}
        for engine, (_, out) in runs.items():
            read = missive_sizes if engine == "missive" else typst_sizes
            for language, found in read(out).items():
                sizes[engine].setdefault(language, []).extend(found)
        ratio = rates["missive"] / rates["Typst"]
        row = f"{rates['missive']:>9.1f}{rates['Typst']:>9.1f}{ratio:>7.1f}x"
        yield f"{'  ' + name:<26}{args.count:>8}{row}"
    yield f"(load avg {load()} at end)"
    yield from scaling(args, work, letter)
    yield f"\n{'bytes per letter (mean KB)':<28}{'missive':>9}{'Typst':>9}"
    for language in sorted(sizes["missive"]):
        means = [sum(s[language]) / len(s[language]) / 1024 for s in sizes.values()]
        yield f"{'  ' + language:<28}{means[0]:>9.1f}{means[1]:>9.1f}"


def best_of_interleaved(repeat: int, runs: list[tuple[list[str], Path]]) -> list[Timing]:
    """The shortest of `repeat` runs of each child command (a shared machine only slows),
    taken in turns (A B A B ...), so that a change in the machine's speed during the row
    weighs on every command of the row alike and their ratio stays fair."""
    times: list[list[Timing]] = [[] for _ in runs]
    for _ in range(repeat):
        for timing, (command, out) in zip(times, runs, strict=True):
            shutil.rmtree(out, ignore_errors=True)
            timing.append(timed(command))
    return [min(timing, key=lambda t: t.wall) for timing in times]


def scaling(args: argparse.Namespace, work: Path, letter: Path) -> Iterator[str]:
    """missive's mixed batch with one and two processes, at --count and each --scale-count:
    the validation, the serials and the imports run once whatever the jobs, so the ratio
    grows with the batch. "CPU 2/1" compares the processor time the two commands took in
    all their processes: above 1, what each worker does again (its fonts, composer and first
    letter of each language) and the passing of recipients and results between processes;
    a ratio short of 2 with CPU 2/1 near 1 is the serial start-up or a busy second core."""
    header = f"{'--jobs 1':>10}{'--jobs 2':>10}{'ratio':>8}{'CPU 2/1':>9}"
    yield f"\n{'  mixed, missive':<26}{'letters':>8}{header}"
    for count in sorted({args.count, *args.scale_count}):
        recipients = work / f"scale-{count}.csv"
        generate_recipients(SOURCE, recipients, count)
        outs = [work / f"scale-{count}-{jobs}" for jobs in ("1", "2")]
        runs = [
            (missive_render(letter, recipients, out, jobs), out)
            for jobs, out in zip(("1", "2"), outs, strict=True)
        ]
        one, two = best_of_interleaved(args.repeat, runs)
        rates = f"{count / one.wall:>10.1f}{count / two.wall:>10.1f}{one.wall / two.wall:>7.2f}x"
        yield f"{'':<26}{count:>8}{rates}{two.cpu / one.cpu:>9.2f}"
    yield f"(load avg {load()} after the scaling rows)"


def checks(args: argparse.Namespace, work: Path) -> Iterator[str]:
    big = work / "check.csv"
    generate_recipients(SOURCE, big, args.check_count)
    count, seconds = child(["check", str(big), "full"]).split()
    per = float(seconds) / int(count) * 1000
    yield (
        f"\n`check` (cover notes, messages, as before a send): {int(count):,} recipients in"
        f" {float(seconds):.1f} s ({per:.2f} ms each)"
    )
    count, seconds = child(["check", str(big), "scan"]).split()
    yield f"the list validated as `render` does first: {int(count):,} in {float(seconds):.1f} s"
    big = work / "memory.csv"
    generate_recipients(SOURCE, big, args.memory_count)
    composed, rendered, peak, elapsed = child(["memory", str(big), str(args.every)]).split()
    yield (
        f"memory: peak RSS {float(peak):.0f} MB in one process that streamed {int(composed):,}"
        f" recipients, composed all and rendered {int(rendered):,} ({float(elapsed):.0f} s)"
    )


def sample_letters(per_language: int) -> list[ComposedLetter]:
    letter = load_letter(SAMPLE)
    composer = Composer(letter, covers=CoverMode.NONE)
    chosen: dict[Language, list[ComposedLetter]] = defaultdict(list)
    for recipient in iter_recipients(letter.recipients_path, letter):
        if len(chosen[recipient.language]) < per_language:
            chosen[recipient.language].append(composer.compose(recipient))
    return [composed for group in chosen.values() for composed in group]


def rate(render: Callable[[ComposedLetter], object], letters: list[ComposedLetter]) -> float:
    render(letters[0])
    started = time.perf_counter()
    for composed in letters:
        render(composed)
    return len(letters) / (time.perf_counter() - started)


def peers(args: argparse.Namespace) -> Iterator[str]:
    letters = sample_letters(args.peer_per_language)
    yield f"\n{'renderer alone, same letters, in-process':<44}{'letters/s':>11}"
    renderer = Renderer()
    ours = rate(renderer.render, letters)
    yield f"{'  missive Renderer':<44}{ours:>11.1f}"
    yield f"{'  Typst (one Compiler)':<44}{rate(TypstPeer().render, letters):>11.1f}"
    try:
        weasy = WeasyPrintPeer()
    except (ImportError, OSError) as exc:
        yield f"  WeasyPrint unavailable: {exc}"
        return
    theirs = rate(weasy.render, letters)
    yield f"{'  ' + weasy.name + ' (HTML, same fonts)':<44}{theirs:>11.1f}"
    yield f"{'  missive / WeasyPrint':<44}{ours / theirs:>10.1f}x"


def rows(args: argparse.Namespace, work: Path) -> Iterator[str]:
    import reportlab
    from reportlab.lib import rl_accel

    accelerated = rl_accel.fp_str.__module__ == "_rl_accel"
    yield (
        f"missive render benchmark: {os.cpu_count()} cores, Python {platform.python_version()},"
        f" ReportLab {reportlab.Version} ({'with' if accelerated else 'without'} rl-accel)"
    )
    yield from commands(args, work)
    yield from checks(args, work)
    yield from peers(args)
    yield f"(load avg {load()} at the end)"


def run_child(argv: list[str]) -> None:
    kind, *rest = argv
    if kind == "Typst":
        typst_command(Path(rest[0]), Path(rest[1]))
        # Timed to the point where missive's `render` ends: without the interpreter's
        # teardown (see `missive.cli.run`).
        sys.stdout.flush()
        os._exit(0)
    elif kind == "check":
        check_command(Path(rest[0]), rest[1])
    elif kind == "memory":
        memory_command(Path(rest[0]), int(rest[1]))


def main() -> int:
    if sys.argv[1:2] == ["--child"]:
        run_child(sys.argv[2:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=300, help="letters per command run")
    parser.add_argument("--check-count", type=int, default=100_000)
    parser.add_argument("--memory-count", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=50, help="render one letter in N")
    parser.add_argument("--peer-per-language", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each command; best kept")
    parser.add_argument(
        "--scale-count", type=int, nargs="+", default=[1200, 5000], help="letters for --jobs 2"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="missive-bench-") as tmp:
        for row in rows(args, Path(tmp)):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
