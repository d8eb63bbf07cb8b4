"""Load documents (plain text, Markdown, HTML) into `Document`s with stable ids.

A document's `text` is the exact string every offset and every quote refers
to: for .txt and .md it is the file decoded from UTF-8, unchanged; for HTML it
is the article text extracted by trafilatura, and quotes are taken from that
extracted text. The title is the first non-empty line (Markdown heading marks
stripped) unless the HTML names one.

What this module does not do: split, embed or store (see `chunking`, `store`).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import DocumentError

SUPPORTED_SUFFIXES = {".txt": "text", ".md": "markdown", ".markdown": "markdown",
                      ".html": "html", ".htm": "html"}  # fmt: skip
MAX_DOCUMENT_BYTES = 5_000_000


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    text: str
    lang: str
    source: str
    sha256: str

    def quote(self, start: int, end: int) -> str:
        return self.text[start:end]


def make_doc_id(path: Path) -> str:
    """A stable id from the file name: `nordkorea-truppen-kursk.de.txt` -> `nordkorea-truppen-kursk.de`."""
    stem = path.name
    for suffix in SUPPORTED_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    normal = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", normal).strip("-.").lower()
    return slug[:80] or "document"


def first_line_title(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""


def load_document(
    path: Path,
    *,
    detect_language: Callable[[str], str],
    doc_id: str | None = None,
) -> Document:
    """Reads one file. Raises `DocumentError` with the fix for anything unreadable."""
    path = Path(path)
    kind = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if not path.exists():
        raise DocumentError(f"document {path} does not exist; check the path")
    if not path.is_file():
        raise DocumentError(f"{path} is not a file; give the path of a .txt, .md or .html file")
    if kind is None:
        raise DocumentError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'}; "
            f"use .txt, .md or .html"
        )
    data = path.read_bytes()
    return document_from_bytes(
        data, name=path.name, kind=kind, source=str(path), detect_language=detect_language,
        doc_id=doc_id or make_doc_id(path),
    )  # fmt: skip


def document_from_bytes(
    data: bytes,
    *,
    name: str,
    kind: str,
    source: str,
    detect_language: Callable[[str], str],
    doc_id: str,
) -> Document:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise DocumentError(
            f"{name} is {len(data):,} bytes; the limit is {MAX_DOCUMENT_BYTES:,}. Split it first"
        )
    try:
        decoded = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{name} is not UTF-8 text ({exc.reason}); convert it to UTF-8") from None
    decoded = decoded.removeprefix("\ufeff")
    title = ""
    if kind == "html":
        text, title = _html_article(decoded, name)
    else:
        text = decoded
    if not text.strip():
        raise DocumentError(f"{name} holds no text to ingest")
    return Document(
        doc_id=doc_id,
        title=title or first_line_title(text) or name,
        text=text,
        lang=detect_language(text[:5000]),
        source=source,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


def _html_article(html: str, name: str) -> tuple[str, str]:
    import trafilatura  # heavy import, only for HTML

    text = trafilatura.extract(
        html, include_comments=False, include_tables=False, favor_precision=True
    )
    if not text:
        raise DocumentError(f"{name}: no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    title = (meta.title or "") if meta else ""
    return text, title.strip()
