"""Benchmark of the render stage: letters per second, bytes per letter, memory, and a peer.

    .venv/bin/python bench/render.py [--count 600] [--memory-count 100000] [--every 50]

What it measures, on a recipients list GENERATED from the sample list (rows cycled over
the six languages, ids and addresses made unique):
  throughput  `render_batch` end to end (load, serials, compose, render, write each PDF and
              the manifest) for --count letters, with --jobs 1 and --jobs 2;
  size        bytes per letter per language, from the --jobs 1 manifest;
  memory      peak RSS of one process that streams --memory-count recipients, composes
              every one of them and renders one in --every (all of them with --every 1),
              i.e. a render worker and the batch's main loop in a single process;
  peer        WeasyPrint rendering the same composed letters as HTML with the same font
              files (@font-face), against missive's Renderer on the same letters, in-process.
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from missive.app.render_batch import BatchOptions, render_batch  # noqa: E402
from missive.compose.composer import Composer  # noqa: E402
from missive.load import iter_recipients, load_letter  # noqa: E402
from missive.load.serials import assign_serials  # noqa: E402
from missive.model import BulletList, ComposedLetter, Language, Run  # noqa: E402
from missive.render.fonts import FONT_DIR  # noqa: E402
from missive.render.pdf import Renderer  # noqa: E402

SAMPLE = ROOT / "letters" / "wsis20-invitation.yaml"


def generate_recipients(source: Path, target: Path, count: int) -> None:
    """`count` rows cycling over the languages of `source`, each with a unique id and address."""
    with source.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    by_language: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_language[row["language"]].append(row)
    languages = sorted(by_language)
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=fields)
        writer.writeheader()
        for index in range(count):
            pool = by_language[languages[index % len(languages)]]
            row = dict(pool[(index // len(languages)) % len(pool)])
            local, domain = row["email"].split("@", 1)
            row["id"] = f"{row['id']}-{index:06d}"
            row["email"] = f"{local}+{index}@{domain}"
            row["cc"] = ""
            writer.writerow(row)


def throughput(recipients: Path, work: Path, jobs: int) -> tuple[float, Path]:
    out = work / f"jobs{jobs}"
    options = BatchOptions(jobs=jobs, persist_serials=False)
    started = time.perf_counter()
    manifest = render_batch(SAMPLE, out, options, recipients_path=recipients)
    elapsed = time.perf_counter() - started
    return manifest.letters / elapsed, manifest.path


def sizes(manifest: Path) -> dict[str, list[int]]:
    import json

    found: dict[str, list[int]] = defaultdict(list)
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        found[entry["language"]].append(int(entry["bytes"]))
    return found


def memory_child(recipients: Path, every: int) -> None:
    """Runs in its own process: compose all, render one in `every`, print peak RSS (MB)."""
    letter = load_letter(SAMPLE)
    serials = assign_serials(letter, (r.id for r in iter_recipients(recipients)), persist=False)
    composer = Composer(letter, serials)
    renderer = Renderer()
    composed = rendered = 0
    started = time.perf_counter()
    for index, recipient in enumerate(iter_recipients(recipients)):
        letter_value = composer.compose(recipient)
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


def memory(recipients: Path, every: int) -> tuple[int, int, float, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(recipients), "--every", str(every)],
        check=True,
        capture_output=True,
        text=True,
    )
    composed, rendered, peak, elapsed = result.stdout.split()
    return int(composed), int(rendered), float(peak), float(elapsed)


# --- the peer: WeasyPrint on an equivalent HTML letter ------------------------------------

FACES = {
    Language.AR: ("Amiri", "Amiri-Regular", "Amiri-Bold"),
    Language.ZH: ("WenQuanYi", "WenQuanYiMicroHei", "WenQuanYiMicroHei"),
}
NOTO = ("Noto Sans", "NotoSans-Regular", "NotoSans-Bold")


def _font_css() -> str:
    rules = []
    for family, regular, bold in (NOTO, *FACES.values()):
        for weight, stem in (("normal", regular), ("bold", bold)):
            url = (FONT_DIR / f"{stem}.ttf").as_uri()
            rules.append(
                f"@font-face {{ font-family: '{family}'; font-weight: {weight}; "
                f"src: url('{url}'); }}"
            )
    return "\n".join(rules)


def _runs(runs: Sequence[Run]) -> str:
    out = []
    for run in runs:
        text = html.escape(run.text).replace("\n", "<br>")
        if run.bold:
            text = f"<b>{text}</b>"
        if run.italic:
            text = f"<i>{text}</i>"
        if run.href:
            text = f'<a href="{html.escape(run.href)}">{text}</a>'
        out.append(text)
    return "".join(out)


def html_letter(composed: ComposedLetter, font_css: str) -> str:
    """The same letter as HTML: letterhead, header table, lists, body, signatory grid."""
    family = FACES.get(composed.language, NOTO)[0]
    esc = html.escape
    header = "".join(
        f"<tr><th>{esc(f.label)}</th><td>{esc(f.value)}</td></tr>" for f in composed.header_fields
    )
    body = []
    for block in composed.body:
        if isinstance(block, BulletList):
            items = "".join(f"<li>{_runs(item)}</li>" for item in block.items)
            body.append(f"<ul>{items}</ul>")
        else:
            body.append(f"<p>{_runs(block.runs)}</p>")
    cells = "".join(
        f"<td>{esc(s.signed_marker)}<br><b>{esc(s.name)}</b><br>"
        f"{'<br>'.join(esc(t) for t in s.title_lines)}<br>{esc(s.organization)}</td>"
        for s in composed.signatories
    )
    groups = "".join(f"<li>{esc(g)}</li>" for g in composed.distribution)
    direction = "rtl" if composed.is_rtl else "ltr"
    return f"""<!doctype html><html lang="{composed.lang_tag}" dir="{direction}"><head>
<meta charset="utf-8"><title>{esc(composed.subject)}</title><style>
{font_css}
@page {{ size: A4; margin: 20mm 22mm; @bottom-center {{ content: counter(page); }} }}
body {{ font-family: '{family}', 'Noto Sans', 'Amiri', 'WenQuanYi'; font-size: 10.5pt; }}
h1 {{ text-align: center; font-size: 14pt; border-bottom: 0.6pt solid; }}
p {{ text-align: justify; }} th {{ text-align: start; }}
table.sig {{ width: 100%; table-layout: fixed; page-break-inside: avoid; font-size: 9pt; }}
</style></head><body>
<h1>{esc(composed.organization)}</h1><p>{esc(composed.date_text)}</p>
<table>{header}</table>
<p>{"<br>".join(esc(line) for line in composed.addressee)}</p>
<p>{esc(composed.distribution_heading)}</p><ul>{groups}</ul>
<p><b>{esc(composed.subject).replace(chr(10), "<br>")}</b></p>
<p>{esc(composed.salutation)}</p>{"".join(body)}<p>{esc(composed.closing)}</p>
<table class="sig"><tr>{cells}</tr></table></body></html>"""


def sample_letters(per_language: int) -> list[ComposedLetter]:
    letter = load_letter(SAMPLE)
    composer = Composer(letter)
    chosen: dict[Language, list[ComposedLetter]] = defaultdict(list)
    for recipient in iter_recipients(letter.recipients_path):
        if len(chosen[recipient.language]) < per_language:
            chosen[recipient.language].append(composer.compose(recipient))
    return [composed for group in chosen.values() for composed in group]


def peer(letters: list[ComposedLetter]) -> tuple[float | None, float, str]:
    renderer = Renderer()
    renderer.render(letters[0])
    started = time.perf_counter()
    for composed in letters:
        renderer.render(composed)
    ours = len(letters) / (time.perf_counter() - started)
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        return None, ours, f"WeasyPrint unavailable: {exc}"
    font_css = _font_css()
    weasyprint.HTML(string=html_letter(letters[0], font_css)).write_pdf()
    started = time.perf_counter()
    for composed in letters:
        weasyprint.HTML(string=html_letter(composed, font_css)).write_pdf()
    theirs = len(letters) / (time.perf_counter() - started)
    return theirs, ours, f"WeasyPrint {weasyprint.__version__}"


def rows(args: argparse.Namespace, work: Path) -> Iterator[str]:
    import reportlab

    yield (
        f"missive render benchmark: {os.cpu_count()} cores, Python {platform.python_version()},"
        f" ReportLab {reportlab.Version}"
    )
    small = work / "recipients.csv"
    generate_recipients(ROOT / "recipients" / "wsis20-stakeholders.csv", small, args.count)
    title = "render_batch (compose+render+write)"
    yield f"\n{title:<44}{'letters':>8}{'letters/s':>11}{'per proc':>10}"
    manifest = None
    for jobs in (1, 2):
        rate, path = throughput(small, work, jobs)
        manifest = manifest or path
        yield f"{f'  --jobs {jobs}':<44}{args.count:>8}{rate:>11.1f}{rate / jobs:>10.1f}"
    assert manifest is not None
    yield f"\n{'bytes per letter':<20}{'mean KB':>9}{'max KB':>9}"
    for language, found in sorted(sizes(manifest).items()):
        mean = sum(found) / len(found) / 1024
        yield f"{'  ' + language:<20}{mean:>9.1f}{max(found) / 1024:>9.1f}"
    theirs, ours, name = peer(sample_letters(args.peer_per_language))
    yield f"\n{'same letters, in-process renderer only':<44}{'letters/s':>11}"
    yield f"{'  missive Renderer':<44}{ours:>11.1f}"
    if theirs is None:
        yield f"  {name}"
    else:
        yield f"{'  ' + name + ' (HTML, same fonts)':<44}{theirs:>11.1f}"
        yield f"{'  missive / peer':<44}{ours / theirs:>10.1f}x"
    big = work / "recipients-big.csv"
    generate_recipients(ROOT / "recipients" / "wsis20-stakeholders.csv", big, args.memory_count)
    composed, rendered, peak, elapsed = memory(big, args.every)
    yield (
        f"\nmemory: peak RSS {peak:.0f} MB in one process that streamed {composed:,} recipients,"
        f" composed all and rendered {rendered:,} ({elapsed:.0f} s)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=600)
    parser.add_argument("--memory-count", type=int, default=100_000)
    parser.add_argument("--every", type=int, default=50, help="render one letter in N")
    parser.add_argument("--peer-per-language", type=int, default=2)
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child, args.every)
        return 0
    with tempfile.TemporaryDirectory(prefix="missive-bench-") as tmp:
        for row in rows(args, Path(tmp)):
            print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
