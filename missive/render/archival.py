"""What a PDF/A-2u and PDF/UA-1 file declares about itself: XMP metadata and the sRGB
output intent, built as plain values (the writer turns them into PDF objects).

PDF/A asks that a file say which standard it follows (XMP `pdfaid:part` 2,
`pdfaid:conformance` U), that its document information repeat exactly what the XMP says
(title, author, subject, keywords, producer, dates), and that device colours come with
an output intent: an embedded ICC profile. PDF/UA asks for `pdfuaid:part` 1 and a title.
`pdfuaid` is not a schema PDF/A-2 knows, so the XMP describes it in a PDF/A extension
schema (ISO 19005-2, 6.6.2.3), as Typst and veraPDF's examples do.

The ICC profile is LittleCMS's built-in sRGB (through Pillow's ImageCms), with its
creation date fixed, so that the same letter gives the same bytes in every process.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

from PIL import ImageCms

from missive.storage import reuse

SRGB_IDENTIFIER = "sRGB IEC61966-2.1"
_ICC_DATE = slice(24, 36)  # the profile header's creation date and time
_ICC_ID = slice(84, 100)  # MD5 profile id: zero means "not computed" (ICC.1:2010, 7.2.18)
_PACKET_ID = "W5M0MpCehiHzreSzNTczkc9d"  # the fixed id of every XMP packet


@dataclass(frozen=True)
class DocumentFacts:
    """What the metadata says of one letter (the first of a proof)."""

    title: str
    language: str  # BCP 47, as the catalog's /Lang
    author: str
    subject: str
    keywords: str
    producer: str
    created: dt.datetime  # timezone-aware


@reuse.once
def srgb_profile() -> bytes:
    """An sRGB ICC profile (v2.1 header from LittleCMS) with a fixed creation date."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
    data = bytearray(profile.tobytes())
    data[_ICC_DATE] = bytes([0x07, 0xD0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0])  # 2000-01-01 00:00
    data[_ICC_ID] = bytes(16)
    return bytes(data)


@reuse.once
def compressed_srgb_profile() -> bytes:
    """`srgb_profile` Flate-compressed, as the output intent's stream holds it (the same
    bytes every time: a constant of the program, not a cache of a letter's work)."""
    return zlib.compress(srgb_profile(), 9)


def pdf_date(moment: dt.datetime) -> str:
    """A PDF date string (ISO 32000-1, 7.9.4), as the document information holds it."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("D:%Y%m%d%H%M%S+00'00'")


def xmp_date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _escape(value: str, *, attribute: bool = False) -> str:
    """XML's escapes (as `xml.sax.saxutils.escape`, `quoteattr`'s `"` in an attribute):
    saxutils imports urllib.request, and with it http.client and ssl, some 20 ms of every
    render's start-up for three replacements."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;") if attribute else value


def xmp_packet(facts: DocumentFacts, *, archival: bool = True) -> bytes:
    """The XMP metadata stream of a letter: PDF/A-2u (unless not `archival`), PDF/UA-1,
    Dublin Core, dates. Simple properties are attributes of the description (RDF's
    abbreviated form, which XMP allows): some 200 bytes a letter fewer than elements."""
    simple = {
        **({"pdfaid:part": "2", "pdfaid:conformance": "U"} if archival else {}),
        "pdfuaid:part": "1",
        "pdf:Keywords": facts.keywords,
        "pdf:Producer": facts.producer,
        "pdf:Trapped": "False",
        "xmp:CreatorTool": facts.producer,
        "xmp:CreateDate": xmp_date(facts.created),
        "xmp:ModifyDate": xmp_date(facts.created),
    }
    attributes = "".join(f'\n {key}="{_escape(v, attribute=True)}"' for key, v in simple.items())
    body = f"""<?xpacket begin="\ufeff" id="{_PACKET_ID}"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#"{attributes}>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{_escape(facts.title)}</rdf:li></rdf:Alt>\
</dc:title>
<dc:language><rdf:Bag><rdf:li>{_escape(facts.language)}</rdf:li></rdf:Bag></dc:language>
<dc:creator><rdf:Seq><rdf:li>{_escape(facts.author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{_escape(facts.subject)}</rdf:li>\
</rdf:Alt></dc:description>
{_PDFUA_SCHEMA}
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""
    return body.encode("utf-8")


# `pdfuaid` described for PDF/A-2, which does not know it (ISO 19005-2, 6.6.2.3.2).
_PDFUA_SCHEMA = """<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 followed</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>"""


def output_intent_entries() -> dict[str, str]:
    """The output intent's dictionary entries but its profile (a stream, `srgb_profile`)."""
    return {
        "Type": "OutputIntent",
        "S": "GTS_PDFA1",
        "OutputConditionIdentifier": SRGB_IDENTIFIER,
        "Info": SRGB_IDENTIFIER,
        "RegistryName": "http://www.color.org",
    }
