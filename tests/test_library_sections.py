"""Section detection and passage splitting (sizes, stable ids, locations)."""

from __future__ import annotations

from pathlib import Path

from nephroguide.library.passages import make_passages, passage_id, sentence_spans
from nephroguide.library.readers import read_path
from nephroguide.library.sections import canonical_section, detect_sections

CORPUS = Path(__file__).parent / "corpus" / "library"


def _sections(text: str) -> list[tuple[str, str]]:
    return [(s.section, s.heading) for s in detect_sections(text)]


def test_canonical_headings() -> None:
    assert canonical_section("Patients and methods") == "Methods"
    assert canonical_section("2. MATERIALS AND METHODS") == "Methods"
    assert canonical_section("Introduction") == "Background"
    assert canonical_section("III. Results") == "Results"
    assert canonical_section("Conclusion:") == "Conclusions"
    assert canonical_section("Competing interests") == "Back matter"
    assert canonical_section("Treatment with CTX") is None


def test_detects_sections_labels_tables_and_figures() -> None:
    text = ("A synthetic title\n\nAbstract\nBackground: why.\nResults: what.\n\n1. Introduction\nProse here.\n\n"
            "2. Methods\nWe did things.\n\nRESULTS\nNumbers came out.\n"
            "Table 2 Outcomes at one year\n\nGroup A B\nRelapse 1 2\n\n"
            "the resumed prose of the results section continues here on a long line\n"
            "and goes on for a second long line of running text in lower case\n"
            "and a third line, which makes it prose rather than table rows.\n\n"
            "Fig. 1 Timeline of remission\nDiscussion\nWe think.\n\nReferences\n1. Example A. Synthetic. 2020.\n")
    secs = _sections(text)
    assert secs[0] == ("Front matter", "Front matter")
    assert ("Abstract", "Background") in secs and ("Abstract", "Results") in secs
    assert ("Background", "1. Introduction") in secs
    assert ("Methods", "2. Methods") in secs
    assert ("Table 2", "Table 2 Outcomes at one year") in secs
    i = secs.index(("Table 2", "Table 2 Outcomes at one year"))
    assert secs[i + 1] == ("Results", "RESULTS")  # the interrupted section resumes after the table
    assert ("Results", "Figure 1") in secs
    assert secs[-2:] == [("Discussion", "Discussion"), ("References", "References")]
    # "Table 3 shows ..." is prose, not a caption
    assert all(s != "Table 3" for s, _ in _sections("Results\nTable 3 shows the data in detail.\n"))


def test_text_without_headings_is_body() -> None:
    assert _sections("Just a note.\nWith two lines.") == [("Body", "Body")]


def test_sentence_split_respects_abbreviations() -> None:
    text = "Smith et al. reported it. See Fig. 2 for details. Dose was 2.5 mg/kg. Next one!"
    got = [text[a:b] for a, b in sentence_spans(text, 0, len(text))]
    assert got == ["Smith et al. reported it.", "See Fig. 2 for details.", "Dose was 2.5 mg/kg.", "Next one!"]


def test_passages_sizes_locations_and_ids() -> None:
    doc = read_path(CORPUS / "case_series_ivcyc.txt")[0]
    spans = detect_sections(doc.text)
    ps = make_passages("docX", doc.text, spans, doc.page_starts)
    assert ps
    for p in ps:
        assert p.text == " ".join(doc.text[p.char_start:p.char_end].split())
        assert len(p.text.split()) <= 320
        assert p.passage_id == passage_id("docX", p.section, p.ordinal)
        span = next(s for s in spans if s.start <= p.char_start < s.end)
        assert p.char_end <= span.end and span.section == p.section  # never crosses a section
    assert len({p.passage_id for p in ps}) == len(ps)
    assert [p.seq for p in ps] == list(range(len(ps)))
    results = [p for p in ps if p.section == "Results"]
    assert results and results[-1].page == 3
    table = next(p for p in ps if p.section == "Table 1")
    assert table.page == 3 and "Outcome CR CR PR CR NR" in table.text
    # same input -> same passages
    assert make_passages("docX", doc.text, spans, doc.page_starts) == ps


def test_long_text_is_split_into_bounded_passages() -> None:
    sentence = "The synthetic cohort had a remission rate that was reported in detail here. "
    text = "Results\n" + sentence * 60
    spans = detect_sections(text)
    ps = make_passages("d", text, spans, [])
    sizes = [len(p.text.split()) for p in ps]
    assert len(ps) >= 3 and all(100 <= n <= 250 for n in sizes[:-1]) and sizes[-1] >= 40
    assert [p.ordinal for p in ps] == list(range(len(ps)))
