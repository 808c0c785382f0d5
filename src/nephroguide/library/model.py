"""Plain data shared by the library stages (readers -> sections -> passages -> index -> search)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

REFERENCE_TYPES = ("research", "guideline", "review")


@dataclass
class Metadata:
    """Bibliographic metadata of one document; every field optional. A sidecar file overrides fields."""

    id: str | None = None
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    journal: str | None = None
    year: int | None = None
    doi: str | None = None
    pmid: str | None = None
    type: str | None = None
    citation: str | None = None
    url: str | None = None

    def update(self, other: dict[str, Any]) -> None:
        """Overwrite fields with the non-empty values of ``other`` (a sidecar or parsed mapping)."""
        for key, value in other.items():
            if value in (None, "", []):
                continue
            if key == "authors":
                self.authors = [str(a) for a in value] if isinstance(value, list) else [str(value)]
            elif key == "year":
                self.year = int(value)
            elif key in ("pmid", "doi", "id", "title", "journal", "type", "citation", "url"):
                setattr(self, key, str(value).strip())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def formatted_citation(self) -> str:
        """The sidecar's citation, else 'Authors. Title. Journal. Year.' from what is known."""
        if self.citation:
            return self.citation
        parts: list[str] = []
        if self.authors:
            names = self.authors[:3]
            parts.append(", ".join(names) + (", et al." if len(self.authors) > 3 else "."))
        if self.title:
            parts.append(self.title.rstrip(".") + ".")
        if self.journal:
            parts.append(self.journal.rstrip(".") + ".")
        if self.year:
            parts.append(f"{self.year}.")
        if self.doi:
            parts.append(f"doi:{self.doi}")
        if self.pmid:
            parts.append(f"PMID:{self.pmid}")
        return " ".join(parts) if parts else "(untitled document)"


@dataclass(frozen=True)
class SectionSpan:
    """A stretch of the document text [start, end) in one section (canonical name) under one heading."""

    section: str
    heading: str
    start: int
    end: int


@dataclass
class RawDocument:
    """What a reader produces: cleaned text, where pages start, known structure, metadata, warnings."""

    text: str
    format: str  # pdf | text | jats | pubmed
    metadata: Metadata = field(default_factory=Metadata)
    page_starts: list[tuple[int, int]] = field(default_factory=list)  # (char offset, page number), sorted
    spans: list[SectionSpan] | None = None  # structure known from the source (XML); None -> detect
    warnings: list[str] = field(default_factory=list)
    n_pages: int | None = None


@dataclass(frozen=True)
class Passage:
    """One retrievable passage: stable id, section, page, character span in the document text."""

    passage_id: str
    doc_id: str
    seq: int  # order in the document
    ordinal: int  # order within its section
    section: str
    heading: str
    page: int | None
    page_end: int | None
    char_start: int
    char_end: int
    text: str
