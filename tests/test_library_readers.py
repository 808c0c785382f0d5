"""Readers: extracted-text clean-up, metadata, JATS / PubMed XML, PDF, sidecars, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from library_pdf import encrypt_pdf, make_pdf
from nephroguide.library.readers import (
    ReadError,
    decode_text,
    dehyphenate,
    join_spaced_urls,
    read_bytes,
    read_path,
    read_pdf,
    read_text,
)

CORPUS = Path(__file__).parent / "corpus" / "library"


def test_dehyphenates_words_broken_across_lines() -> None:
    text = "children with nephrotic syn-\ndrome were treated with tacro-\nlimus. Focal glomeru-\n  losclerosis.\n"
    out = dehyphenate(text)
    assert "syndrome" in out and "tacrolimus." in out and "glomerulosclerosis." in out
    assert "-\n" not in out


def test_keeps_real_hyphens() -> None:
    text = "Long follow up was done.\nWe report follow-\nup data and SRNS-\nDTT cases; anti-\nCD20 drugs.\n"
    out = dehyphenate(text)
    assert "follow-up" in out and "SRNS-DTT" in out and "anti-CD20" in out
    # a compound seen elsewhere in the document keeps its hyphen
    assert "steroid-dependent" in dehyphenate("steroid-dependent disease; became steroid-\ndependent again")
    # a joined form seen elsewhere wins
    assert "therapy" in dehyphenate("the therapy; CTX ther-\napy. All")


def test_rejoins_spaced_urls() -> None:
    text = ("licence, visit http:// creat iveco mmons. org/ licen ses/ by/4. 0/. The waiver (http:// exam ple. org/ "
            "publi c/ zero/1. 0/) applies; see https://example.org/x for details and www. synth etic. org/ a page")
    out = join_spaced_urls(text)
    assert "http://creativecommons.org/licenses/by/4.0/. The waiver" in out
    assert "(http://example.org/public/zero/1.0/) applies" in out
    assert "https://example.org/x for details" in out
    assert "www.synthetic.org/ a page" in out


def test_running_headers_dropped_and_pages_recorded() -> None:
    text = ("A synthetic title about relapses\n\nAbstract\nBackground: first page text about remis-\nsion.\n\n"
            "Page 2 of 3Ngata et al. Synthetic Renal Notes          (2020) 4:55  \n\nResults\nSecond page text.\n"
            "Table 1 Outcomes by group\n\nGroup A B\nRelapses 3 5\n\n"
            "Page 3 of 3Ngata et al. Synthetic Renal Notes          (2020) 4:55  \n\nConclusions\nThird page.\n")
    doc = read_text(text.encode())
    assert "Page 2 of 3" not in doc.text and "Ngata et al." not in doc.text
    assert "remission." in doc.text
    assert [p for _, p in doc.page_starts] == [1, 2, 3]
    assert doc.text[doc.page_starts[1][0]:].startswith("Results")
    assert "Group A B\nRelapses 3 5" in doc.text  # flattened table lines stay lines
    assert doc.metadata.journal == "Synthetic Renal Notes" and doc.metadata.year == 2020
    assert doc.metadata.authors == ["Ngata"]
    assert doc.metadata.title == "A synthetic title about relapses"


def test_case_series_clean_up() -> None:
    doc = read_path(CORPUS / "case_series_ivcyc.txt")[0]
    assert "http://creativecommons.org/licenses/by/4.0/." in doc.text
    flat = " ".join(doc.text.split())
    assert "calcineurin inhibitor failure" in flat and "glomerulosclerosis" in flat
    assert "Page 3 of 5" not in doc.text
    assert doc.n_pages == 5 and [p for _, p in doc.page_starts] == [1, 2, 3, 4, 5]
    assert doc.metadata.doi == "10.99999/pkr.2023.0112"
    assert doc.metadata.title is not None and doc.metadata.title.startswith("Intravenous cyclophosphamide after")
    assert doc.metadata.id == "synth-ivcyc-series"  # from the sidecar
    assert doc.metadata.authors[0] == "Lindqvist M"


def test_decoding() -> None:
    assert decode_text("naïve".encode()) == ("naïve", [])
    assert decode_text("\ufeffBOM".encode()) == ("BOM", [])
    text, warnings = decode_text("caf\xe9 na\xefve".encode("cp1252"))
    assert text == "café naïve" and "not valid UTF-8" in warnings[0]
    with pytest.raises(ReadError, match="binary"):
        decode_text(b"\x00\x01\x02\xff" * 100)


def test_empty_input() -> None:
    with pytest.raises(ReadError, match="empty"):
        read_bytes(b" \n\n ", "text")


def test_jats() -> None:
    (doc,) = read_bytes((CORPUS / "abs04_genetic_panel.xml").read_bytes(), "xml")
    m = doc.metadata
    assert m.title and m.title.startswith("Diagnostic yield of a gene panel")
    assert m.doi == "10.99999/synth.2022.004" and m.pmid == "99000004" and m.year == 2022
    assert m.journal == "Synthetic Genomic Nephrology" and m.authors[0] == "Ferreira Lucia"
    assert doc.spans is not None
    sections = [s.section for s in doc.spans]
    for name in ("Front matter", "Abstract", "Background", "Methods", "Results", "Discussion", "Table 1", "References"):
        assert name in sections
    table = next(s for s in doc.spans if s.section == "Table 1")
    assert "Under 1 year | 26 | 18 (69%)" in doc.text[table.start:table.end]


def test_pubmed_set_gives_one_document_per_record() -> None:
    docs = read_bytes((CORPUS / "abs05_pubmed_set.xml").read_bytes(), "xml")
    assert [d.metadata.pmid for d in docs] == ["99000051", "99000052"]
    first, second = docs
    assert first.metadata.doi == "10.99999/synth.2018.051" and first.metadata.year == 2018
    assert second.metadata.year == 2017  # from MedlineDate
    assert first.spans is not None
    assert [s.heading for s in first.spans if s.section == "Abstract"][:4] == ["Background", "Methods", "Results",
                                                                            "Conclusions"]
    assert "Results: After two years" in first.text


def test_unsupported_or_broken_xml() -> None:
    with pytest.raises(ReadError, match="unsupported XML"):
        read_bytes(b"<?xml version='1.0'?><note>hi</note>", "xml")
    with pytest.raises(ReadError, match="invalid XML"):
        read_bytes(b"<?xml version='1.0'?><article><front>", "xml")
    bomb = (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]>"
            b"<article>&b;</article>")
    with pytest.raises(ReadError):
        read_bytes(bomb, "xml")


def test_pdf_pages_and_metadata() -> None:
    data = make_pdf([["A synthetic PDF about relapse prevention", "", "Abstract",
                      "Background: A synthetic sentence about the nephro-", "tic syndrome in children."],
                     ["Page 2 of 2 Quispe et al. Synthetic Kidney Notes (2021) 3:7", "Results",
                      "Remission occurred in 5 of 9 children."]], title="Synthetic PDF title for tests")
    doc = read_pdf(data)
    assert doc.format == "pdf" and doc.n_pages == 2
    assert "nephrotic syndrome" in " ".join(doc.text.split()) and "Page 2 of 2" not in doc.text
    assert [p for _, p in doc.page_starts] == [1, 2]
    assert doc.metadata.title == "Synthetic PDF title for tests" and doc.metadata.year == 2021


def test_bad_pdfs() -> None:
    good = make_pdf([["Some synthetic text."]])
    with pytest.raises(ReadError, match="encrypted"):
        read_pdf(encrypt_pdf(good))
    with pytest.raises(ReadError, match="corrupt"):
        read_pdf(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    with pytest.raises(ReadError, match="corrupt"):
        read_pdf(good[: len(good) // 2])
    with pytest.raises(ReadError, match="no extractable text"):
        read_pdf(make_pdf([[]]))


def test_sidecar_overrides_and_validation(tmp_path: Path) -> None:
    f = tmp_path / "paper.txt"
    f.write_text("Some title\n\nAbstract\nResults: synthetic findings.\n")
    (tmp_path / "paper.txt.meta.json").write_text('{"title": "Sidecar title", "year": 2001, "type": "review"}')
    doc = read_path(f)[0]
    assert doc.metadata.title == "Sidecar title" and doc.metadata.year == 2001 and doc.metadata.type == "review"
    (tmp_path / "paper.txt.meta.json").unlink()
    (tmp_path / "paper.meta.yaml").write_text("colour: blue\n")
    with pytest.raises(ReadError, match="unknown field 'colour'"):
        read_path(f)


def test_size_limit_and_unsupported(tmp_path: Path) -> None:
    f = tmp_path / "big.txt"
    f.write_text("word " * 1000)
    with pytest.raises(ReadError, match="over the"):
        read_path(f, max_bytes=1000)
    g = tmp_path / "image.png"
    g.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    with pytest.raises(ReadError, match="unsupported file type"):
        read_path(g)
