"""Section detection for text without declared structure (PDF pages, plain text).

Canonical sections: ``Front matter`` (before the first heading: title, authors), ``Abstract``,
``Background`` (Introduction), ``Methods``, ``Results``, ``Discussion``, ``Conclusions``,
``Table N`` (a table caption and its flattened rows), ``References``, ``Back matter``
(acknowledgements, funding, declarations, licence), plus ``Body`` when a text has no headings.

Rules, line by line:

* a line that is only a known heading (optionally numbered, "2. Methods", "III. RESULTS", with a
  trailing colon) starts that section; the heading line itself is not part of any passage;
* a line that starts with a structured-abstract label ("Results: Eight children ...") starts a
  labelled part: inside the Abstract (or before any body heading) it stays in section ``Abstract``
  with the label as heading; in the body it starts that section;
* ``Table 2 Outcomes ...`` (a capitalised caption, not "Table 2 shows ...") starts ``Table 2``;
  the table runs until a heading or a prose paragraph (3+ lines of running text), then the section
  it interrupted resumes; figure captions ("Fig. 1 Timeline ...") get their own heading;
* a line starting with "©" or "Open Access This article" starts ``Back matter`` (licence text).
"""

from __future__ import annotations

import itertools
import re

from nephroguide.library.model import SectionSpan

FRONT = "Front matter"
_SKIP = "\x00heading"
BODY = "Body"

_NUM = r"(?:(?:\d{1,2}(?:\.\d{1,2})*|[IVX]{1,4})[.)]?\s+)?"
_STANDALONE: list[tuple[str, str]] = [
    ("Abstract", r"abstract|summary"),
    ("Background", r"background|introduction|rationale|background and aims?"),
    ("Methods", r"methods?|materials?\s+and\s+methods?|patients?\s+and\s+methods?|subjects\s+and\s+methods?|"
                r"methodology|study\s+design|design\s+and\s+methods?|study\s+population"),
    ("Results", r"results|findings|results\s+and\s+discussion"),
    ("Discussion", r"discussion|comments?"),
    ("Conclusions", r"conclusions?|concluding\s+remarks|conclusions?\s+and\s+(?:implications|relevance)|summary\s+and\s+conclusions?"),
    ("References", r"references|bibliography|literature\s+cited|reference\s+list"),
    ("Back matter", r"acknowledge?ments?|funding|declarations|abbreviations|authors?[’']?s?[’']?\s+contributions?|"
                    r"availability\s+of\s+data(?:\s+and\s+materials?)?|ethics\s+approval.*|consent\s+for\s+publication|"
                    r"competing\s+interests?|conflicts?\s+of\s+interests?|publisher[’']?s\s+note|author\s+details|"
                    r"supplementary\s+(?:information|materials?)|additional\s+files?|disclosures?"),
]
_LABELS: list[tuple[str, str]] = [
    ("Background", r"background|objectives?|aims?|purpose|introduction|context|importance|rationale"),
    ("Methods", r"methods?|design|setting|participants|patients|interventions?|measurements|main\s+outcome\s+measures?|"
                r"study\s+design|patients\s+and\s+methods|materials\s+and\s+methods|evidence\s+acquisition"),
    ("Results", r"results|findings|methods\s+and\s+results|evidence\s+synthesis"),
    ("Conclusions", r"conclusions?|interpretation|conclusions\s+and\s+relevance"),
    ("Discussion", r"discussion"),
    ("Abstract", r"keywords?|key\s+words|trial\s+registration"),
]
_STANDALONE_RE = [(name, re.compile(rf"^{_NUM}(?:{pat})\s*[:.]?$", re.I)) for name, pat in _STANDALONE]
_LABEL_RE = [(name, re.compile(rf"^(?P<label>{pat})\s*:\s*(?=\S)", re.I)) for name, pat in _LABELS]
_TABLE = re.compile(r"^(?:Table|TABLE)\s+(?P<n>\d{1,3}|[IVX]{1,5})\b[.:]?(?:\s+(?P<rest>.*))?$")
_FIGURE = re.compile(r"^(?:Fig\.?|Figure|FIGURE)\s*(?P<n>\d{1,3})[.:]?\s+(?=[A-Z])")
_LICENCE = re.compile(r"^(?:©|\(c\)\s|Open Access This article|Copyright ©)", re.I)


def canonical_section(title: str | None) -> str | None:
    """The canonical section a heading names ('Patients and methods' -> 'Methods'), or None."""
    if not title:
        return None
    t = " ".join(title.split())
    for name, rx in _STANDALONE_RE:
        if rx.match(t):
            return name
    return None


def match_heading(line: str) -> str | None:
    """The canonical section of a line that is only a heading, or None."""
    s = line.strip()
    if not s or len(s) > 70:
        return None
    return canonical_section(s)


def _label(line: str) -> tuple[str, str] | None:
    for name, rx in _LABEL_RE:
        m = rx.match(line)
        if m:
            return name, m.group("label")
    return None


def _is_prose(paragraph: list[str]) -> bool:
    lines = [ln for ln in paragraph if ln.strip()]
    if len(lines) < 3:
        return False
    avg = sum(len(ln) for ln in lines) / len(lines)
    tokens = " ".join(lines).split()
    numeric = sum(1 for t in tokens if re.fullmatch(r"[<>≤≥±–\-]?\d[\d.,/–\-]*%?", t))
    lower = sum(1 for t in tokens if t[:1].islower())
    return avg >= 38 and numeric / max(len(tokens), 1) < 0.2 and lower / max(len(tokens), 1) > 0.5


def detect_sections(text: str) -> list[SectionSpan]:
    """Split a cleaned text into section spans (see the module docstring)."""
    switches: list[tuple[int, str, str]] = []  # (offset, section, heading)
    section, heading = FRONT, FRONT
    in_abstract = False
    body_started = False
    table_resume: tuple[str, str] | None = None
    figure_resume: tuple[str, str] | None = None

    def switch(offset: int, new_section: str, new_heading: str) -> None:
        nonlocal section, heading
        section, heading = new_section, new_heading
        switches.append((offset, new_section, new_heading))

    switch(0, FRONT, FRONT)
    offset = 0
    paragraphs: list[list[tuple[int, str]]] = [[]]
    for line in text.split("\n"):
        if line.strip():
            paragraphs[-1].append((offset, line))
        elif paragraphs[-1]:
            paragraphs.append([])
        offset += len(line) + 1

    for para in paragraphs:
        if not para:
            continue
        if table_resume is not None and _is_prose([ln for _, ln in para]):
            switch(para[0][0], *table_resume)
            table_resume = None
        for start, line in para:
            s = line.strip()
            if figure_resume is not None:
                switch(start, *figure_resume)
                figure_resume = None
            canon = match_heading(s)
            if canon is not None:
                table_resume = None
                in_abstract = canon == "Abstract"
                if canon != "Abstract":
                    body_started = True
                switch(start, _SKIP, _SKIP)  # the heading line itself belongs to no passage
                switch(start + len(line) + 1, canon, s.rstrip(":.").strip())
                continue
            m_table = _TABLE.match(s)
            if m_table and (not m_table.group("rest") or m_table.group("rest")[:1].isupper()):
                if table_resume is None:
                    table_resume = (section, heading)
                switch(start, f"Table {m_table.group('n')}", s[:120])
                continue
            if _FIGURE.match(s) and table_resume is None:
                figure_resume = (section, heading)
                switch(start, section, f"Figure {_FIGURE.match(s).group('n')}")  # type: ignore[union-attr]
                continue
            if _LICENCE.match(s):
                table_resume = None
                in_abstract = False
                switch(start, "Back matter", "Licence")
                continue
            label = _label(s)
            if label is not None and table_resume is None:
                canon_label, written = label
                if in_abstract or not body_started:
                    in_abstract = True
                    switch(start, "Abstract", written.strip().capitalize() if written.isupper() else written.strip())
                elif section != "References":
                    switch(start, canon_label if canon_label != "Abstract" else section, written.strip())
    spans: list[SectionSpan] = []
    bounds = [*switches, (len(text), "", "")]
    for (a, sec, head), (b, _, _) in itertools.pairwise(bounds):
        a = min(a, len(text))
        chunk = text[a:b]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk.rstrip())
        if trail <= lead:
            continue
        s_start, s_end = a + lead, a + trail
        if sec == _SKIP:
            continue
        if spans and spans[-1].section == sec and spans[-1].heading == head:
            spans[-1] = SectionSpan(sec, head, spans[-1].start, s_end)
        else:
            spans.append(SectionSpan(sec, head, s_start, s_end))
    if spans and all(sp.section == FRONT for sp in spans):
        spans = [SectionSpan(BODY, BODY, sp.start, sp.end) for sp in spans]
    return spans
