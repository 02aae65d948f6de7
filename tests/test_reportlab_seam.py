"""The ReportLab seam: its internals used in one module, for missive's documents only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from reportlab_private import SEAM, private_uses

from missive.errors import MissiveError
from missive.render import reportlab_seam

ROOT = Path(__file__).resolve().parent.parent

# A plain ReportLab document (a TrueType font, a link, compression on), written to stdout;
# with the argument "after-missive", a missive letter is rendered first in the process.
PLAIN_DOCUMENT = """
import sys
if sys.argv[1:] == ["after-missive"]:
    sys.path.insert(0, "tests")
    from render_samples import composed
    from missive.model import Language
    from missive.render.pdf import Renderer
    renderer = Renderer()
    for language in (Language.EN, Language.AR, Language.EN):
        renderer.render(composed(language))
import io
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
pdfmetrics.registerFont(TTFont("PlainSans", "missive/fonts/NotoSans-Regular.ttf"))
out = io.BytesIO()
canvas = Canvas(out, invariant=1, pageCompression=1)
canvas.setTitle("A plain document")
canvas.setFont("PlainSans", 12)
canvas.drawString(72, 720, "Hello, ReportLab: (élan) 2026")
canvas.setFont("Helvetica", 10)
canvas.drawString(72, 700, "Standard font")
canvas.linkURL("https://example.org/", (72, 690, 200, 710))
canvas.showPage()
canvas.drawString(72, 720, "Second page")
canvas.save()
sys.stdout.buffer.write(out.getvalue())
"""


def _plain_document(*args: str) -> bytes:
    command = [sys.executable, "-c", PLAIN_DOCUMENT, *args]
    return subprocess.run(command, cwd=ROOT, check=True, capture_output=True).stdout


def test_no_private_name_of_reportlab_is_used_outside_the_seam() -> None:
    uses = private_uses()
    assert not uses, f"private ReportLab names outside {SEAM}: {sorted(uses)}"


def test_the_scan_sees_the_seam_s_own_uses() -> None:
    # The scan finds what it looks for: the seam itself reads canvas._code and the like.
    inside = private_uses(skip=None)
    assert {name for file, name in inside if file == SEAM} >= {"_code", "_doc", "_x1"}


def test_a_plain_document_after_a_missive_render_is_written_as_in_a_fresh_process() -> None:
    fresh = _plain_document()
    assert fresh.startswith(b"%PDF") and b"/ASCII85Decode" in fresh  # ReportLab's defaults
    assert _plain_document("after-missive") == fresh


def test_reportlab_outside_the_tested_range_is_refused_with_a_clear_message() -> None:
    reportlab_seam.check_version("5.1.0")
    reportlab_seam.check_version("5.1.7")
    for version in ("5.0.9", "5.2.0", "6.0", "4.2.5", "unknown"):
        with pytest.raises(reportlab_seam.ReportLabVersionError) as refused:
            reportlab_seam.check_version(version)
        assert isinstance(refused.value, MissiveError)
        assert f"ReportLab {version} is installed" in str(refused.value)
        assert ">=5.1,<5.2" in str(refused.value)


def test_pyproject_pins_reportlab_to_the_tested_range() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    low, high = (".".join(map(str, v)) for v in reportlab_seam.TESTED)
    assert f'"reportlab>={low},<{high}"' in text
