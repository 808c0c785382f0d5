"""Fit an answer to its reader: clinician (terse, doses, grades), family (plain language), student.

The same knowledge entries (and so the same facts and references) are used for every audience;
only the wording changes: clinicians read the pack's ``text``, families its ``family_text``
(measured with textstat, target school grade 6-8), students the ``text`` followed by the
``student_note`` and a glossary of the terms used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from nephroguide.answer.model import GlossaryEntry

_ABBREV = ("e.g.", "i.e.", "vs.", "Fig.", "fig.", "approx.", "et al.", "Rec.", "No.", "cf.", "etc.")
_ABBREVIATION = re.compile(r"\b[A-Za-z]*[A-Z][A-Za-z0-9]*[A-Z][A-Za-z0-9]*\b")
# two abbreviations joined by a slash ("FR/SD"): one term, never its halves read on their own ("SD": standard
# deviation)
_SLASHED = re.compile(r"\b[A-Z]{2,}/[A-Z]{2,}\b")
_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\"'])")


def sentences(text: str) -> list[str]:
    """Split a text into sentences (abbreviations such as e.g., Fig. and vs. do not end one)."""
    text = " ".join(text.split())
    if not text:
        return []
    parts = _SPLIT.split(text)
    out: list[str] = []
    for part in parts:
        if out and out[-1].endswith(_ABBREV):
            out[-1] = f"{out[-1]} {part}"
        else:
            out.append(part)
    return out


def first_sentences(text: str, n: int = 1) -> str:
    return " ".join(sentences(text)[:n])


@cache
def _textstat() -> Any:
    _preload_hyphenation()
    textstat = _import_textstat()
    textstat.set_lang("en_US")
    return textstat


def _import_textstat() -> Any:
    """textstat 0.7.4 imports ``pkg_resources`` (60-90 ms: it scans every installed distribution) only to read
    its bundled easy-word list; while it is imported it gets a stand-in with that one function, reading the same
    file through ``importlib.resources``. Nothing changes when ``pkg_resources`` is already loaded."""
    import sys

    if "textstat" in sys.modules or "pkg_resources" in sys.modules:
        import textstat

        return textstat
    import types
    from importlib import resources

    def resource_stream(package: str, resource: str) -> Any:
        return resources.files(package).joinpath(resource).open("rb")

    stand_in = types.ModuleType("pkg_resources")
    stand_in.resource_stream = resource_stream  # type: ignore[attr-defined]
    sys.modules["pkg_resources"] = stand_in
    try:
        import textstat
    finally:
        if sys.modules.get("pkg_resources") is stand_in:
            del sys.modules["pkg_resources"]
    return textstat


def _preload_hyphenation() -> None:
    """pyphen parses its English hyphenation dictionary (~40 ms) for textstat's syllable counts; the parsed
    dictionary is kept in the on-disk cache (keyed by the dictionary's bytes and pyphen's version) and handed
    to pyphen's own per-process dictionary cache."""
    try:
        import pyphen

        from nephroguide import cache as disk

        path = pyphen.LANGUAGES[pyphen.language_fallback("en_US")]
        if path in pyphen.hdcache:
            return
        entry = disk.key("hyphenation", disk.file_bytes(path), str(getattr(pyphen, "__version__", "")))
        hd = disk.cached("hyphenation", entry, lambda: pyphen.HyphDict(path))
        if isinstance(hd, pyphen.HyphDict):
            pyphen.hdcache.setdefault(path, hd)
    except Exception:   # pyphen parses the dictionary itself, as before
        return


def reading_grade(text: str) -> float | None:
    """Flesch-Kincaid grade level (textstat) of a text; None for text too short to score."""
    if len(text.split()) < 3:
        return None
    return round(float(_textstat().flesch_kincaid_grade(text)), 1)


_DANGLING = re.compile(r"(?:these|this|they|those|it|its|their|that|then|also|both|such)\b", re.I)


def pick_family_summary(candidates: Sequence[str], framing: str, target: tuple[float, float]) -> tuple[str, float | None]:
    """The first combination of family sentences (plus the practical framing) that scores within the target
    reading grade; otherwise the one closest to the middle of the range. Deterministic."""
    options: list[str] = []
    first = candidates[0] if candidates else ""
    rest = list(candidates[1:3])
    for text in (
        " ".join(x for x in (first, framing) if x),
        " ".join(x for x in (first, *rest[:1], framing) if x),
        first,
        " ".join(x for x in (first, *rest[:1]) if x),
        *(" ".join(x for x in (c, framing) if x) for c in rest),
        *(" ".join(x for x in (first, c, framing) if x) for c in rest[1:]),
        *rest,
    ):
        if text and text not in options:
            options.append(text)
    # a sentence that points back ("These calm the immune system...") cannot open the summary on its own
    options = [o for o in options if not _DANGLING.match(o)] or options
    if not options:
        return framing, reading_grade(framing)
    low, high = target
    mid = (low + high) / 2
    # the lead statement answers the question: a summary without it is taken only when none with it can open
    # the summary (it points back), never for a better reading grade alone
    with_first = [o for o in options if first and first in o]
    if with_first:
        options = with_first
    best: tuple[float, int, str, float | None] | None = None
    for i, text in enumerate(options):
        g = reading_grade(text)
        if g is not None and low <= g <= high:
            return text, g
        distance = abs((g if g is not None else 99) - mid)
        if best is None or (distance, i) < (best[0], best[1]):
            best = (distance, i, text, g)
    assert best is not None
    return best[2], best[3]


def glossary(texts: Iterable[str], definitions: Sequence[Any], pack: Any) -> tuple[GlossaryEntry, ...]:
    """Terms a student meets in the answer: abbreviations (lexicon) and defined terms (pack definitions)."""
    from nephroguide.knowledge.lexicon import load_lexicon

    lex = load_lexicon()
    seen: dict[str, GlossaryEntry] = {}
    for d in definitions:
        refs = tuple(dict.fromkeys(c.source for c in d.citations))
        seen.setdefault(d.term.lower(), GlossaryEntry(term=d.term, meaning=" ".join(d.text.split()), refs=refs,
                                                      kb_id=d.id))
    body = " ".join(texts)
    slashed = set(_SLASHED.findall(body))
    # only abbreviations (SRNS, CNI, eGFR, UPCR, MMF) need spelling out: words with 2+ capitals
    for word in sorted(slashed | set(_ABBREVIATION.findall(_SLASHED.sub(" ", body)))):
        for gid in lex.group_ids(word):
            g = lex.group(gid)
            meaning = g.canonical if g.kind != "drug" else pack.drugs[gid.split(":", 1)[1]].generic
            if meaning.lower() == word.lower():
                continue
            seen.setdefault(word.lower(), GlossaryEntry(term=word, meaning=meaning))
            break
    return tuple(sorted(seen.values(), key=lambda g: g.term.lower()))


def grade_explained(grade: str, help_table: dict[str, str]) -> str:
    """'1C' -> 'strong recommendation ("we recommend"), low certainty of evidence'; '' when not a GRADE code."""
    m = re.fullmatch(r"([12])([A-D])", grade.strip())
    if not m:
        return ""
    return f"{help_table.get(m.group(1), '')}, {help_table.get(m.group(2), '')}".strip(", ")


def is_easy_word(word: str) -> bool:
    """A common English word (the Dale-Chall easy-word list textstat ships): never the subject a question is
    about. Only the list counts: textstat also calls every one-syllable word easy (and miscounts some long drug
    names), which made "lice", "rash" or "gum" subject-free."""
    return bool(_textstat().is_easy_word(word, syllable_threshold=1))


def asks_for_self(question: str) -> bool:
    """A young person asking about themself ("im 15 and have nephrotic syndrome ... can i stop my steroids?"), not
    a parent asking about a child (understanding.yaml ``self_asking``)."""
    from nephroguide.answer.understand import rules

    cfg = rules().raw["self_asking"]
    text = question.lower()
    return any(re.search(p, text) for p in cfg["self"]) and not any(re.search(p, text) for p in cfg["other"])


_IRREGULAR = {"is": "are", "was": "were", "has": "have", "does": "do", "doesn't": "don't", "isn't": "aren't",
              "wasn't": "weren't", "hasn't": "haven't"}
_MODAL = {"can", "can't", "cannot", "could", "may", "might", "must", "should", "shouldn't", "will", "won't",
          "would", "need", "needs"}


def _verb_for_you(word: str) -> str | None:
    """The form of a verb after "you" that followed "your child" ("takes" -> "take"); None when it is no verb."""
    low = word.lower()
    if low in _IRREGULAR:
        return _IRREGULAR[low]
    if low in _MODAL:
        return "need" if low == "needs" else word
    if re.fullmatch(r"[a-z]+(?:ss|sh|ch|x|o)es", low):
        return word[:-2]
    if re.fullmatch(r"[a-z]+[^aeiou]ies", low):
        return word[:-3] + "y"
    if re.fullmatch(r"[a-z]{2,}[^su']s", low):
        return word[:-1]
    return None


def to_the_reader(text: str) -> str:
    """Family text addressed to a young person reading about themself: "your child's team" -> "your team", "your
    child takes" -> "you take", "for your child" -> "for you", "let your child rest if they feel unwell" -> "rest
    if you feel unwell" (sentence by sentence; "they" is the child only in a sentence about the child that names
    no other people)."""
    return " ".join(_to_the_reader(x) for x in sentences(text)) if text else text


_OTHERS = re.compile(r"\b(?:team|doctors?|nurses?|parents?|friends?|children|teachers?|brothers?|sisters?|famil\w+|"
                     r"people|adults|others|they say|studies|guidelines)\b", re.I)


def _to_the_reader(text: str) -> str:
    if "our child" not in text:
        return text
    if not _OTHERS.search(text):   # "they" in a sentence about the child alone is the child
        text = re.sub(r"\bthey're\b", "you're", text)
        text = re.sub(r"\bthey\b", "you", text)
        text = re.sub(r"\bthem\b", "you", text)
        text = re.sub(r"\btheir\b", "your", text)
        text = re.sub(r"\bthemselves\b", "yourself", text)
    text = re.sub(r"^Let your child (\w)", lambda m: m.group(1).upper(), text)   # "Let your child rest" -> "Rest"
    text = re.sub(r"\blet your child\b ", "", text)

    def subject(m: re.Match[str]) -> str:
        you = "You" if m.group(1)[0] == "Y" else "you"
        adverb, verb = m.group(2) or "", m.group(3)   # ("whether your child still needs it": "you still need it")
        form = _verb_for_you(verb)
        return f"{you} {adverb}{form}" if form is not None else f"{you} {adverb}{verb}"

    text = re.sub(r"\b([Yy]our) (?:teenager|young person|son or daughter)\b", r"\1 child", text)
    text = re.sub(r"\b([Yy]our) child's\b", r"\1", text)
    text = re.sub(r"\b([Yy]our child) ((?:still|also|usually|often|only|always|never|already|then|now|really) )?"
                  r"([A-Za-z']+)", subject, text)
    text = re.sub(r"\b([Yy])our child\b", lambda m: "You" if m.group(1) == "Y" else "you", text)

    def second(m: re.Match[str]) -> str:   # "you take it once a day and needs ..." -> "... and need ..."
        form = _verb_for_you(m.group(2))
        joined = m.group(0)[len(m.group(1)):-len(m.group(2))]   # ' and ', ' or ', ', or '
        return f"{m.group(1)}{joined}{form if form is not None else m.group(2)}"

    # (also a list: "when you are swollen, in a relapse, being sick or has diarrhoea, or takes tacrolimus")
    verbs = (r"needs|takes|gets|feels|goes|has|is|keeps|stops|starts|uses|passes|grows|sleeps|eats|drinks|plays|"
             r"looks|seems|becomes|comes|does")
    coordinated = re.compile(rf"\b([Yy]ou [a-z]+(?:,? [a-z']+){{0,12}}?),? (?:and|or) ({verbs})\b")
    for _ in range(4):
        text, n = coordinated.subn(second, text)
        if not n:
            break
    return text
