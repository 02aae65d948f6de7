"""PDF/A-2u and PDF/UA-1 declarations (missive.render.archival): XMP and output intent,
read back by pikepdf from a PDF that carries them."""

from __future__ import annotations

import datetime as dt
import io
import xml.etree.ElementTree as ET

import pikepdf
from PIL import ImageCms

from missive.render import archival

FACTS = archival.DocumentFacts(
    title="دعوة إلى الحدث الرفيع المستوى <&>",
    language="ar",
    author="الاتحاد الدولي للاتصالات",
    subject="دعوة",
    keywords="ITU/2024/0001",
    producer="missive (ReportLab)",
    created=dt.datetime(2024, 1, 31, 12, tzinfo=dt.UTC),
)
NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "pdfaid": "http://www.aiim.org/pdfa/ns/id/",
    "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "xmp": "http://ns.adobe.com/xap/1.0/",
    "pdf": "http://ns.adobe.com/pdf/1.3/",
}


def _description() -> ET.Element:
    packet = archival.xmp_packet(FACTS).decode("utf-8")
    start, end = packet.index("<x:xmpmeta"), packet.index("</x:xmpmeta>") + len("</x:xmpmeta>")
    root = ET.fromstring(packet[start:end])
    found = root.find("rdf:RDF/rdf:Description", NS)
    assert found is not None
    return found


def _simple(described: ET.Element, key: str) -> str | None:
    """A simple property, written as an attribute of the description (RDF's short form)."""
    prefix, local = key.split(":")
    return described.get(f"{{{NS[prefix]}}}{local}")


def test_xmp_declares_pdfa_2u_and_pdfua_1() -> None:
    described = _description()
    assert _simple(described, "pdfaid:part") == "2"
    assert _simple(described, "pdfaid:conformance") == "U"
    assert _simple(described, "pdfuaid:part") == "1"


def test_xmp_holds_title_language_and_dates() -> None:
    described = _description()
    titles = described.findall("dc:title/rdf:Alt/rdf:li", NS)
    assert {t.text for t in titles} == {FACTS.title}
    lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert [t.get(lang) for t in titles] == ["x-default"]  # the letter's language: dc:language
    assert described.findtext("dc:language/rdf:Bag/rdf:li", namespaces=NS) == "ar"
    assert _simple(described, "xmp:CreateDate") == "2024-01-31T12:00:00+00:00"
    assert _simple(described, "pdf:Keywords") == FACTS.keywords
    assert archival.pdf_date(FACTS.created) == "D:20240131120000+00'00'"


def test_srgb_profile_is_srgb_and_the_same_every_time() -> None:
    first = archival.srgb_profile.__wrapped__()
    assert first == archival.srgb_profile.__wrapped__()
    # LittleCMS stamps the time it made the profile: a fixed date keeps the bytes.
    assert first[24:36] == bytes([0x07, 0xD0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])
    profile = ImageCms.ImageCmsProfile(io.BytesIO(first))
    assert "sRGB" in ImageCms.getProfileDescription(profile)
    assert first[12:20] == b"mntrRGB "  # a display profile in RGB: what PDF/A's intent asks


def test_a_pdf_carrying_them_reads_back() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.Metadata = pdf.make_stream(
        archival.xmp_packet(FACTS), Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML
    )
    profile = pdf.make_stream(archival.srgb_profile(), N=3)
    entries = archival.output_intent_entries()
    intent = pikepdf.Dictionary(
        Type=pikepdf.Name("/" + entries["Type"]),
        S=pikepdf.Name("/" + entries["S"]),
        OutputConditionIdentifier=entries["OutputConditionIdentifier"],
        Info=entries["Info"],
        DestOutputProfile=profile,
    )
    pdf.Root.OutputIntents = pikepdf.Array([intent])
    buffer = io.BytesIO()
    pdf.save(buffer)
    with pikepdf.open(io.BytesIO(buffer.getvalue())) as back:
        meta = back.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == FACTS.title
        got = back.Root.OutputIntents[0]
        assert str(got.S) == "/GTS_PDFA1"
        assert got.DestOutputProfile.read_bytes() == archival.srgb_profile()
