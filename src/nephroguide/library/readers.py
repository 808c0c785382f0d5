"""Readers: PDF (pypdf), plain text (incl. text extracted from PDFs), JATS/PMC XML, PubMed/MEDLINE XML.

Each reader turns a file's bytes into :class:`RawDocument` objects (a PubMed file may hold many):
cleaned text, the character offsets where pages start, the section structure when the source
declares it (XML), metadata and warnings. Problems with a file raise :class:`ReadError` with a
one-line reason; ingest reports it for that file and goes on with the others.

Clean-up of extracted text (PDF pages and ``.txt`` files alike), in this order:

* running page headers/footers are dropped — ``Page 3 of 6 Haddad et al. BMC Nephrology (2021)
  22:395`` — and the page number they reveal is recorded (text after a ``Page N of M`` header is on
  page N); a short "Author et al. Journal (Year) vol:page" line, or any short line repeated on 3+
  pages, is dropped too (its journal/year/first author feed the metadata);
* spaced-out URLs are rejoined: ``http:// creat iveco mmons. org/`` -> ``http://creativecommons.org/``;
* words hyphenated across a line break are rejoined: ``syn-\\ndrome`` -> ``syndrome``, except where
  both halves are words of their own in the document and the joined form is not
  (``follow-\\nup`` -> ``follow-up``), or the second half starts with a capital or a digit;
* runs of spaces collapse, blank-line runs collapse to one blank line; table lines flattened into
  text are kept line by line.

pypdf is imported only when a PDF is read; XML is parsed with defusedxml (untrusted input).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nephroguide.library.model import Metadata, RawDocument, SectionSpan

MAX_FILE_BYTES = 50 * 1024 * 1024  # files larger than this are refused (per-file error); see ingest()
TEXT_SUFFIXES = (".txt", ".text", ".md")
XML_SUFFIXES = (".xml", ".nxml")
PDF_SUFFIXES = (".pdf",)
SIDECAR_SUFFIXES = (".meta.yaml", ".meta.yml", ".meta.json")


class ReadError(Exception):
    """A file cannot be read; the message is one line that says why and what to do."""


# --------------------------------------------------------------------------------------------- entry

def detect_format(path: Path, head: bytes) -> str | None:
    """'pdf' | 'xml' | 'text' from the suffix, else from the first bytes; ``None`` if not supported."""
    name = path.name.lower()
    if name.endswith(PDF_SUFFIXES):
        return "pdf"
    if name.endswith(XML_SUFFIXES):
        return "xml"
    if name.endswith(TEXT_SUFFIXES):
        return "text"
    if head.startswith(b"%PDF"):
        return "pdf"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<!DOCTYPE", b"<article")):
        return "xml"
    return None


def read_bytes(data: bytes, fmt: str, *, name: str = "") -> list[RawDocument]:
    """Read one file's bytes in a known format ('pdf' | 'xml' | 'text')."""
    if not data.strip():
        raise ReadError("empty file")
    if fmt == "pdf":
        return [read_pdf(data)]
    if fmt == "xml":
        return read_xml(data)
    return [read_text(data)]


def read_path(path: Path, *, max_bytes: int = MAX_FILE_BYTES) -> list[RawDocument]:
    """Read a file (checks size first), apply its sidecar metadata, and return its documents."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    if size == 0:
        raise ReadError("empty file")
    if size > max_bytes:
        raise ReadError(f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.0f} MB limit; "
                        "split it or raise max_bytes")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"cannot read: {exc.strerror or exc}") from None
    fmt = detect_format(path, data[:512])
    if fmt is None:
        raise ReadError("unsupported file type (expected .pdf, .txt, .md, .xml, .nxml)")
    docs = read_bytes(data, fmt, name=path.name)
    sidecar = load_sidecar(path)
    if sidecar:
        if len(docs) > 1:
            for doc in docs:
                doc.warnings.append("sidecar metadata ignored: the file holds several documents")
        else:
            docs[0].metadata.update(sidecar)
    return docs


def sidecar_paths(path: Path) -> list[Path]:
    """Where a file's sidecar metadata may be: FILE.meta.yaml/.yml/.json or STEM.meta.*."""
    out = [path.with_name(path.name + s) for s in SIDECAR_SUFFIXES]
    out += [path.with_name(path.stem + s) for s in SIDECAR_SUFFIXES if path.suffix]
    return out


def is_sidecar(path: Path) -> bool:
    return path.name.lower().endswith(SIDECAR_SUFFIXES)


def load_sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar mapping next to ``path`` (the first that exists), or ``None``."""
    for candidate in sidecar_paths(path):
        if candidate.is_file():
            text = candidate.read_text(encoding="utf-8")
            try:
                if candidate.suffix == ".json":
                    data = json.loads(text)
                else:
                    import yaml

                    data = yaml.safe_load(text)
            except Exception as exc:
                raise ReadError(f"sidecar {candidate.name} is not valid: {' '.join(str(exc).split())[:120]}") from None
            if not isinstance(data, dict):
                raise ReadError(f"sidecar {candidate.name} must be a mapping of metadata fields")
            allowed = {"id", "title", "authors", "journal", "year", "doi", "pmid", "type", "citation", "url"}
            unknown = sorted(set(data) - allowed)
            if unknown:
                raise ReadError(f"sidecar {candidate.name}: unknown field {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
            if data.get("year") not in (None, "") and not str(data["year"]).isdigit():
                raise ReadError(f"sidecar {candidate.name}: year must be a number")
            if data.get("type") not in (None, "research", "guideline", "review"):
                raise ReadError(f"sidecar {candidate.name}: type must be research, guideline or review")
            if data.get("id") not in (None, "") and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}", str(data["id"])):
                raise ReadError(f"sidecar {candidate.name}: id must be letters, digits, '.', '_' or '-'")
            return data
    return None


# --------------------------------------------------------------------------------------------- text

def decode_text(data: bytes) -> tuple[str, list[str]]:
    """UTF-8 (BOM allowed), or UTF-16 with a BOM; otherwise cp1252/latin-1 with a warning.

    Binary data (NUL bytes, many control characters) is refused.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            raise ReadError("invalid UTF-16 text") from None
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) // 100:
        raise ReadError("binary data, not text (convert it to UTF-8 text or PDF)")
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        bad = exc.start
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, [f"not valid UTF-8 (byte 0x{data[bad]:02x} at offset {bad}); decoded as {encoding} — "
                      "check accented characters, or convert the file to UTF-8"]
    raise ReadError("not valid UTF-8 text")  # pragma: no cover - latin-1 decodes any bytes


def read_text(data: bytes) -> RawDocument:
    """A plain-text document (possibly text extracted from a PDF: cleaned as such)."""
    text, warnings = decode_text(data)
    chunks, running = split_pages(text)
    doc = build_from_pages(chunks, running, fmt="text")
    doc.warnings[:0] = warnings
    if not doc.text.strip():
        raise ReadError("no text after clean-up")
    return doc


# --------------------------------------------------------------------------------------------- clean-up

_LIGATURES = str.maketrans({"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "\u00a0": " ",
                            "\u2009": " ", "\u202f": " ", "\t": " ", "\u00ad": "", "\u200b": ""})
_PAGE_HEAD = re.compile(r"^\s*page\s+(\d{1,4})\s*(?:of|/)\s*(\d{1,4})(?!\d)(.*)$", re.I)
_PAGE_TAIL = re.compile(r"^(.*?)\bpage\s+(\d{1,4})\s*(?:of|/)\s*(\d{1,4})\s*$", re.I)
_RUNNING = re.compile(r"^(?P<author>[A-Z][\w'’\-]+(?:\s[A-Z][\w'’\-]+)?)\s+et\s+al\.?\s+(?P<journal>[^()]{3,80}?)\s*"
                      r"\((?P<year>(?:19|20)\d\d)\)\s*(?P<cite>[\w.:\-–]*)\s*$")
_URL_START = re.compile(r"(?:https?://|www\.)", re.I)
_URL_TOKEN = re.compile(r"^[a-z0-9./_\-~%?=&#:+@!$'()*,;]+$")
_URL_STOP = frozenset(["a", "an", "and", "or", "of", "in", "on", "at", "to", "for", "from", "with", "by", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "which", "who", "applies", "applied", "see", "visit", "available", "accessed", "unless", "otherwise", "under", "as", "it", "its", "if", "not", "no", "also", "via", "last", "retrieved", "date"])
_HYPHEN_BREAK = re.compile(r"([^\W\d_][\w]*)-[ ]*\n(?:[ ]*\n){0,3}[ ]*([a-z][\w]*[.,;:)\]]*)")
_HYPHEN_UPPER = re.compile(r"([^\W_]+)-[ ]*\n[ ]*([A-Z0-9][\w]*[.,;:)\]]*)")
_COMPOUND_LEFT = ("er", "ed", "ly", "al", "ic", "ive", "ous", "ful", "less", "ing", "well", "non", "self", "post",
                  "pre", "anti", "multi", "long", "short", "high", "low", "first", "second", "third")


@dataclass
class _Chunk:
    text: str
    page: int | None


def split_pages(text: str) -> tuple[list[_Chunk], list[str]]:
    """Split text into page chunks at form feeds and at 'Page N of M' running headers/footers.

    Returns the chunks and the running-header lines that were dropped (they feed the metadata).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    chunks: list[_Chunk] = []
    running: list[str] = []
    ff_pages = text.split("\f")
    explicit = len(ff_pages) > 1
    for index, page_text in enumerate(ff_pages):
        page: int | None = index + 1 if explicit else None
        current: list[str] = []
        for line in page_text.split("\n"):
            head = _PAGE_HEAD.match(line) if len(line) <= 200 else None
            tail = None if head or len(line) > 200 else _PAGE_TAIL.match(line)
            if head or tail:
                number = int(head.group(1) if head else tail.group(2))  # type: ignore[union-attr]
                rest = (head.group(3) if head else tail.group(1)).strip()  # type: ignore[union-attr]
                if rest:
                    running.append(rest)
                if not explicit:
                    chunks.append(_Chunk("\n".join(current), page))
                    current = []
                    page = number
                continue
            current.append(line)
        chunks.append(_Chunk("\n".join(current), page))
    if not explicit and len(chunks) > 1 and chunks[0].page is None and chunks[1].page == 2:
        chunks[0].page = 1
    _drop_running_lines(chunks, running)
    return chunks, running


def _norm_line(line: str) -> str:
    return " ".join(line.split())


def _drop_running_lines(chunks: list[_Chunk], running: list[str]) -> None:
    """Drop 'Author et al. Journal (Year) cite' lines and short lines repeated on 3+ pages."""
    per_page: Counter[str] = Counter()
    for c in chunks:
        per_page.update({_norm_line(line) for line in c.text.split("\n") if 8 <= len(_norm_line(line)) <= 150})
    repeated = {line for line, n in per_page.items() if n >= 3 and len(chunks) >= 3}
    for c in chunks:
        kept = []
        for line in c.text.split("\n"):
            norm = _norm_line(line)
            if norm and (norm in repeated or (len(norm) <= 150 and _RUNNING.match(norm))):
                running.append(norm)
                continue
            kept.append(line)
        c.text = "\n".join(kept)


def join_spaced_urls(text: str) -> str:
    """Rejoin URLs that PDF extraction broke with spaces: 'http:// creat iveco mmons. org/' -> one URL."""
    out: list[str] = []
    pos = 0
    for m in _URL_START.finditer(text):
        if m.start() < pos:
            continue
        out.append(text[pos:m.start()])
        url = m.group()
        j = m.end()
        spaced = False
        steps = 0
        while j < len(text) and steps < 40:
            ws_match = re.match(r"[ \n]*", text[j:])
            ws = ws_match.group() if ws_match else ""
            tok_match = re.match(r"[^\s]+", text[j + len(ws):])
            if not tok_match:
                break
            tok = tok_match.group()
            if not ws:
                url += tok
                j += len(tok)
                steps += 1
                continue
            if "\n\n" in ws or not _continues_url(url, tok, spaced or url.endswith("://")):
                break
            spaced = True
            url += tok
            j += len(ws) + len(tok)
            steps += 1
        out.append(url)
        pos = j
    out.append(text[pos:])
    return "".join(out)


def _continues_url(url: str, tok: str, spaced: bool) -> bool:
    if url.endswith("://"):
        return bool(_URL_TOKEN.match(tok.lower())) and not any(ch.isupper() for ch in tok)
    if url.endswith(")") or re.search(r"/[.,;]$", url):
        return False
    if any(ch.isupper() for ch in tok) or not _URL_TOKEN.match(tok):
        return False
    if tok.rstrip(".,;)").lower() in _URL_STOP:
        return False
    return spaced or url.endswith((".", "/", "-"))


def dehyphenate(text: str, vocabulary: set[str] | None = None) -> str:
    """Rejoin words broken across lines with a hyphen (see the module docstring for the rule)."""
    vocab = vocabulary if vocabulary is not None else _vocabulary(text)

    def repl(m: re.Match[str]) -> str:
        # the second half moves up to the first; the line break follows it, so lines stay lines
        left, right = m.group(1), m.group(2)
        return left + ("-" if _keep_hyphen(left, right, vocab) else "") + right + "\n"

    text = _HYPHEN_BREAK.sub(repl, text)
    # "SRNS-\nDTT", "anti-\nCD20": a hyphen before a capital or digit is a real hyphen; rejoin the line
    return _HYPHEN_UPPER.sub(lambda m: f"{m.group(1)}-{m.group(2)}\n", text)


def _keep_hyphen(left: str, right: str, vocab: set[str]) -> bool:
    right = right.rstrip(".,;:)]")
    lo, ro = left.lower(), right.lower()
    if lo + ro in vocab:
        return False
    if f"{lo}-{ro}" in vocab:
        return True
    if len(lo) >= 2 and len(ro) >= 2 and lo in vocab and ro in vocab:
        return True
    return len(ro) >= 4 and ro in vocab and lo.endswith(_COMPOUND_LEFT)


def _vocabulary(text: str) -> set[str]:
    words = set(re.findall(r"[^\W\d_][\w]*(?:-[^\W\d_][\w]*)*", text.lower()))
    for w in list(words):
        if "-" in w:
            words.update(w.split("-"))
    # hyphenation fragments are words only where they also occur outside a break
    return words - _fragments(text)


def _fragments(text: str) -> set[str]:
    """Halves of line-break hyphenations that never occur as a word elsewhere in the text."""
    left: Counter[str] = Counter()
    right: Counter[str] = Counter()
    for m in _HYPHEN_BREAK.finditer(text):
        left[m.group(1).lower()] += 1
        right[m.group(2).rstrip(".,;:)]").lower()] += 1
    whole = Counter(re.findall(r"(?<![\w-])[^\W\d_][\w]*(?![\w-])", text.lower()))
    # a right half sits at the start of its line and is counted in `whole` once per break
    out = {f for f in left if whole.get(f, 0) == 0}
    out |= {f for f, n in right.items() if whole.get(f, 0) <= n}
    return out


def tidy_whitespace(text: str) -> str:
    """Collapse space runs, strip line ends, collapse blank-line runs to one blank line."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    out = "\n".join(lines)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip("\n")


def clean_text(text: str) -> str:
    """Clean one page's text (no page logic): ligatures, URLs, hyphenation, whitespace."""
    text = text.translate(_LIGATURES)
    text = join_spaced_urls(text)
    text = dehyphenate(text)
    return tidy_whitespace(text)


def build_from_pages(chunks: list[_Chunk], running: list[str], *, fmt: str,
                     metadata: Metadata | None = None) -> RawDocument:
    """Clean page chunks, rejoin words split across pages, and assemble text + page offsets + metadata."""
    whole = "\n".join(c.text for c in chunks).translate(_LIGATURES)
    vocab = _vocabulary(whole)
    texts = []
    for c in chunks:
        t = join_spaced_urls(c.text.translate(_LIGATURES))
        texts.append(tidy_whitespace(dehyphenate(t, vocab)))
    # a word hyphenated across a page break: move the fragment to the end of the previous page
    for i in range(len(texts) - 1):
        m_end = re.search(r"([^\W\d_][\w]*)-$", texts[i])
        m_start = re.match(r"([a-z][\w]*)([.,;:)]*)", texts[i + 1])
        if m_end and m_start:
            left, right = m_end.group(1), m_start.group(1)
            hyphen = "-" if _keep_hyphen(left, right, vocab) else ""
            texts[i] = texts[i][:-1] + hyphen + right + m_start.group(2)
            texts[i + 1] = texts[i + 1][m_start.end():].lstrip()
    parts: list[str] = []
    page_starts: list[tuple[int, int]] = []
    offset = 0
    for c, t in zip(chunks, texts, strict=True):
        if not t:
            continue
        if parts:
            parts.append("\n\n")
            offset += 2
        if c.page is not None:
            page_starts.append((offset, c.page))
        parts.append(t)
        offset += len(t)
    text = "".join(parts)
    meta = metadata or Metadata()
    guess_metadata(text, meta, running)
    pages = [p for _, p in page_starts]
    return RawDocument(text=text, format=fmt, metadata=meta, page_starts=page_starts,
                       n_pages=max(pages) if pages else None)


# --------------------------------------------------------------------------------------------- metadata

_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.I)
_PMID = re.compile(r"\bPMID:?\s*(\d{4,9})\b")
_YEAR_HINT = re.compile(r"(?:©|\(c\)|copyright|published(?: online)?:?)\s*(?:the author\(s\)\s*)?[^0-9\n]{0,20}((?:19|20)\d\d)", re.I)
_URLISH = re.compile(r"^(?:https?://|www\.|doi:|10\.\d{4,9}/)\S*$", re.I)
_JOURNAL_LINE = re.compile(r"^(?P<journal>[A-Z][^.:]{3,90})\.\s+(?P<year>(?:19|20)\d\d)\b[^a-z]{0,30}$")
_LABEL_START = re.compile(r"^(?:background|objectives?|aims?|purpose|introduction|methods|results|conclusions?)\s*:", re.I)
_NOT_TITLE = re.compile(r"^(research( article)?|original (article|research)|open access|case (report|series)|"
                        r"review( article)?|brief report|article|letter|abstract|background|introduction)\b", re.I)


def guess_metadata(text: str, meta: Metadata, running: Iterable[str] = ()) -> None:
    """Fill missing metadata from the text: DOI, PMID, year, journal/first author (running header), title."""
    head = text[:8000]
    if not meta.doi:
        m = _DOI.search(head)
        if m:
            meta.doi = m.group(1).rstrip(".,;)]")
    if not meta.pmid:
        m = _PMID.search(head)
        if m:
            meta.pmid = m.group(1)
    for line in running:
        m = _RUNNING.match(_norm_line(line))
        if m:
            meta.journal = meta.journal or " ".join(m.group("journal").split())
            meta.year = meta.year or int(m.group("year"))
            if not meta.authors:
                meta.authors = [m.group("author")]
                meta.citation = meta.citation or None
            break
    guess_authors_journal(text, meta)
    if not meta.year:
        m = _YEAR_HINT.search(head)
        if m:
            meta.year = int(m.group(1))
    if not meta.title:
        meta.title = guess_title(text)


def _front_paragraphs(text: str) -> list[list[str]]:
    """The paragraphs (lists of stripped lines) before the first heading or structured-abstract label."""
    from nephroguide.library.sections import match_heading

    paragraphs: list[list[str]] = [[]]
    for line in text.split("\n"):
        s = line.strip()
        if match_heading(s) is not None or _LABEL_START.match(s):
            break
        if s:
            paragraphs[-1].append(s)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _skip_line(s: str) -> bool:
    return bool(_URLISH.match(s) or (_NOT_TITLE.match(s) and len(s) < 40) or _RUNNING.match(s))


def _author_like(s: str) -> bool:
    if re.search(r"[a-z]\d|[a-z]\*|\d,\s*[A-Z]", s):
        return True
    tokens = re.findall(r"[^\W\d_][\w'’\-]*", s)
    caps = sum(1 for t in tokens if t[:1].isupper() or t in ("and", "van", "de", "der", "von"))
    return s.count(",") >= 1 and len(tokens) >= 3 and caps / len(tokens) >= 0.85 and not s.endswith(".")


def guess_title(text: str) -> str | None:
    """The title: the first front-matter lines that are not a URL, a banner or an author list (<= 4 lines)."""
    for para in _front_paragraphs(text):
        lines: list[str] = []
        for s in para:
            if _skip_line(s) and not lines:
                continue
            if _author_like(s) or _JOURNAL_LINE.match(s):
                break
            lines.append(s)
            if len(lines) >= 4:
                break
        title = " ".join(lines).strip()
        if title.lower().startswith("title:"):
            title = title[6:].strip()
        if title:
            return title if len(title) <= 300 and not title.endswith(":") else None
    return None


def guess_authors_journal(text: str, meta: Metadata) -> None:
    """Authors from an author-list line and 'Journal. Year.' from a journal line of the front matter."""
    for para in _front_paragraphs(text):
        for s in para:
            if not meta.authors and _author_like(s) and not _skip_line(s):
                names = re.split(r",\s*|\s+and\s+", re.sub(r"(?<=[a-z])\d[\d,]*\*?|\*", "", s))
                meta.authors = [n.strip() for n in names if n.strip()][:50]
            m = _JOURNAL_LINE.match(s)
            if m:
                meta.journal = meta.journal or m.group("journal").strip()
                meta.year = meta.year or int(m.group("year"))


# --------------------------------------------------------------------------------------------- PDF

def read_pdf(data: bytes) -> RawDocument:
    """Extract each page's text with pypdf, then clean it like extracted text."""
    import io
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - pypdf is a dependency
        raise ReadError("reading PDF needs the pypdf package (pip install pypdf)") from None
    if not data.lstrip().startswith(b"%PDF"):
        raise ReadError("corrupt PDF: no %PDF header")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                ok = bool(reader.decrypt(""))
            except Exception:
                ok = False
            if not ok:
                raise ReadError("encrypted PDF: it needs a password; save an unencrypted copy and ingest that")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
    except ReadError:
        raise
    except PdfReadError as exc:
        raise ReadError(f"corrupt PDF: {' '.join(str(exc).split())[:150]}") from None
    except Exception as exc:  # pypdf raises many exception types on damaged files
        raise ReadError(f"corrupt PDF: {type(exc).__name__}: {' '.join(str(exc).split())[:150]}") from None
    if not any(p.strip() for p in pages):
        raise ReadError("PDF has no extractable text (scanned images?); run OCR first or ingest a text version")
    meta = Metadata()
    if info is not None:
        title = str(info.get("/Title") or "").strip()
        author = str(info.get("/Author") or "").strip()
        if title and len(title) > 8 and not title.lower().endswith((".doc", ".docx", ".pdf", ".tex", ".dvi")):
            meta.title = title
        if author:
            meta.authors = [a.strip() for a in re.split(r";|,(?=\s*[A-Z][a-z])| and ", author) if a.strip()]
    # page numbers come from the PDF; running headers/footers inside pages are dropped all the same
    chunks, running = split_pages("\f".join(p.replace("\f", " ") for p in pages))
    doc = build_from_pages(chunks, running, fmt="pdf", metadata=meta)
    doc.n_pages = len(pages)
    return doc


# --------------------------------------------------------------------------------------------- XML

class _Builder:
    """Accumulates (section, heading, paragraph) blocks into text + section spans."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[SectionSpan] = []
        self.offset = 0

    def add(self, section: str, heading: str, paragraph: str) -> None:
        paragraph = "\n".join(" ".join(line.split()) for line in paragraph.strip().split("\n") if line.strip())
        if not paragraph:
            return
        if self.parts:
            self.parts.append("\n\n")
            self.offset += 2
        start = self.offset
        self.parts.append(paragraph)
        self.offset += len(paragraph)
        last = self.spans[-1] if self.spans else None
        if last and last.section == section and last.heading == heading:
            self.spans[-1] = SectionSpan(section, heading, last.start, self.offset)
        else:
            self.spans.append(SectionSpan(section, heading, start, self.offset))

    def text(self) -> str:
        return "".join(self.parts)


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(el: Any) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _child(el: Any, *names: str) -> Any:
    """The first descendant along a path of local names."""
    cur = el
    for name in names:
        if cur is None:
            return None
        cur = next((c for c in cur if _local(c.tag) == name), None)
    return cur


def _children(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c.tag) == name] if el is not None else []


def _iter(el: Any, name: str) -> Iterable[Any]:
    return (e for e in el.iter() if _local(e.tag) == name)


def read_xml(data: bytes) -> list[RawDocument]:
    """JATS/PMC (``<article>``, ``<pmc-articleset>``) or PubMed (``<PubmedArticleSet>``) XML."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    try:
        root = fromstring(data)
    except (ParseError, DefusedXmlException) as exc:
        raise ReadError(f"invalid XML: {' '.join(str(exc).split())[:150]}") from None
    tag = _local(root.tag)
    if tag == "article":
        return [_read_jats(root)]
    if tag == "pmc-articleset":
        docs = [_read_jats(a) for a in _children(root, "article")]
    elif tag in ("PubmedArticleSet", "PubmedArticle", "MedlineCitationSet"):
        articles = [root] if tag == "PubmedArticle" else [*_children(root, "PubmedArticle"),
                                                         *_children(root, "MedlineCitation")]
        docs = [_read_pubmed(a) for a in articles]
    else:
        raise ReadError(f"unsupported XML (root element <{tag}>; expected JATS <article> or <PubmedArticleSet>)")
    docs = [d for d in docs if d.text.strip()]
    if not docs:
        raise ReadError("XML holds no article text")
    return docs


_JATS_SEC_TYPES = {"intro": "Background", "introduction": "Background", "background": "Background",
                   "methods": "Methods", "materials|methods": "Methods", "materials": "Methods",
                   "subjects": "Methods", "results": "Results", "discussion": "Discussion",
                   "conclusions": "Conclusions", "conclusion": "Conclusions", "results|discussion": "Results"}


def _read_jats(article: Any) -> RawDocument:
    from nephroguide.library.sections import canonical_section

    meta = Metadata()
    front = _child(article, "front")
    am = _child(front, "article-meta")
    meta.title = _text(_child(am, "title-group", "article-title")) or None
    meta.journal = _text(_child(front, "journal-meta", "journal-title-group", "journal-title")) or \
        _text(_child(front, "journal-meta", "journal-title")) or None
    if am is not None:
        for aid in _children(am, "article-id"):
            kind = aid.get("pub-id-type")
            if kind == "doi":
                meta.doi = _text(aid)
            elif kind == "pmid":
                meta.pmid = _text(aid)
        for contrib in _iter(am, "contrib"):
            if contrib.get("contrib-type", "author") != "author":
                continue
            name = _child(contrib, "name")
            if name is not None:
                surname, given = _text(_child(name, "surname")), _text(_child(name, "given-names"))
                meta.authors.append(f"{surname} {given}".strip())
            elif _child(contrib, "collab") is not None:
                meta.authors.append(_text(_child(contrib, "collab")))
        years = [_text(_child(d, "year")) for d in _children(am, "pub-date")]
        years = [y for y in years if y.isdigit()]
        if years:
            meta.year = min(int(y) for y in years)
    b = _Builder()
    front_lines = [x for x in (meta.title, ", ".join(meta.authors),
                               " ".join(str(p) for p in (meta.journal, meta.year) if p)) if x]
    b.add("Front matter", "Front matter", "\n".join(front_lines))
    for abstract in _children(am, "abstract") if am is not None else []:
        if abstract.get("abstract-type") in ("graphical", "teaser"):
            continue
        secs = _children(abstract, "sec")
        if secs:
            for sec in secs:
                label = _text(_child(sec, "title")) or "Abstract"
                for p in _children(sec, "p"):
                    b.add("Abstract", label, f"{label}: {_text(p)}" if p is _children(sec, "p")[0] else _text(p))
        else:
            for p in _children(abstract, "p"):
                b.add("Abstract", "Abstract", _text(p))
    tables: list[Any] = []
    body = _child(article, "body")
    if body is not None:
        for sec in _children(body, "sec"):
            title = _text(_child(sec, "title"))
            section = (_JATS_SEC_TYPES.get((sec.get("sec-type") or "").lower()) or canonical_section(title)
                       or (title or "Body"))
            _jats_sec(b, sec, section, title or section, tables)
        for p in _children(body, "p"):
            b.add("Body", "Body", _text(p))
    floats = _child(article, "floats-group")
    if floats is not None:
        tables.extend(_iter(floats, "table-wrap"))
    for tw in tables:
        _jats_table(b, tw)
    back = _child(article, "back")
    if back is not None:
        for ack in _children(back, "ack"):
            b.add("Back matter", "Acknowledgements", _text(ack))
        for reflist in _iter(back, "ref-list"):
            refs = [_text(r) for r in _children(reflist, "ref")]
            for i in range(0, len(refs), 8):
                b.add("References", "References", "\n".join(refs[i:i + 8]))
    return RawDocument(text=b.text(), format="jats", metadata=meta, spans=b.spans)


def _jats_sec(b: _Builder, sec: Any, section: str, heading: str, tables: list[Any]) -> None:
    for child in sec:
        name = _local(child.tag)
        if name == "p":
            for tw in _iter(child, "table-wrap"):
                tables.append(tw)
            b.add(section, heading, _text(child))
        elif name == "sec":
            sub = _text(_child(child, "title"))
            if sub:
                b.add(section, sub, sub)
            _jats_sec(b, child, section, sub or heading, tables)
        elif name == "table-wrap":
            tables.append(child)
        elif name in ("list", "disp-quote", "boxed-text", "statement"):
            b.add(section, heading, _text(child))
        elif name == "fig":
            b.add(section, heading, " ".join(x for x in (_text(_child(child, "label")), _text(_child(child, "caption"))) if x))


def _jats_table(b: _Builder, tw: Any) -> None:
    label = _text(_child(tw, "label")) or "Table"
    m = re.match(r"(?i)table\s*(\w+)", label)
    section = f"Table {m.group(1)}" if m else "Table"
    caption = _text(_child(tw, "caption"))
    rows = []
    for tr in _iter(tw, "tr"):
        cells = [_text(c) for c in tr if _local(c.tag) in ("td", "th")]
        rows.append(" | ".join(cells))
    foot = _text(_child(tw, "table-wrap-foot"))
    b.add(section, label, f"{label} {caption}".strip())
    for i in range(0, len(rows), 12):
        b.add(section, label, "\n".join(rows[i:i + 12]))
    if foot:
        b.add(section, label, foot)


def _read_pubmed(article: Any) -> RawDocument:
    meta = Metadata()
    citation = _child(article, "MedlineCitation") if _local(article.tag) == "PubmedArticle" else article
    art = _child(citation, "Article")
    meta.pmid = _text(_child(citation, "PMID")) or None
    meta.title = _text(_child(art, "ArticleTitle")) or None
    meta.journal = _text(_child(art, "Journal", "Title")) or _text(_child(art, "Journal", "ISOAbbreviation")) or None
    pubdate = _child(art, "Journal", "JournalIssue", "PubDate")
    year = _text(_child(pubdate, "Year")) or _text(_child(pubdate, "MedlineDate"))[:4]
    if year.isdigit():
        meta.year = int(year)
    for author in _iter(art, "Author") if art is not None else []:
        last, fore = _text(_child(author, "LastName")), _text(_child(author, "Initials")) or _text(_child(author, "ForeName"))
        if last:
            meta.authors.append(f"{last} {fore}".strip())
        elif _child(author, "CollectiveName") is not None:
            meta.authors.append(_text(_child(author, "CollectiveName")))
    for loc in _children(art, "ELocationID"):
        if loc.get("EIdType") == "doi":
            meta.doi = _text(loc)
    if not meta.doi and _local(article.tag) == "PubmedArticle":
        for aid in _iter(article, "ArticleId"):
            if aid.get("IdType") == "doi":
                meta.doi = _text(aid)
    b = _Builder()
    front_lines = [x for x in (meta.title, ", ".join(meta.authors),
                               " ".join(str(p) for p in (meta.journal, meta.year) if p)) if x]
    b.add("Front matter", "Front matter", "\n".join(front_lines))
    abstract = _child(art, "Abstract")
    for at in _children(abstract, "AbstractText"):
        label = (at.get("Label") or "").strip()
        text = _text(at)
        if label:
            pretty = label.capitalize() if label.isupper() else label
            b.add("Abstract", pretty, f"{pretty}: {text}")
        else:
            b.add("Abstract", "Abstract", text)
    keywords = [_text(k) for k in _iter(citation, "Keyword")] if citation is not None else []
    if keywords:
        b.add("Abstract", "Keywords", "Keywords: " + "; ".join(keywords))
    return RawDocument(text=b.text(), format="pubmed", metadata=meta, spans=b.spans)


def normalize_unicode(text: str) -> str:
    """NFC-normalise (used for hashing and display consistency)."""
    return unicodedata.normalize("NFC", text)
