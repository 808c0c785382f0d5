"""The shared medical lexicon: abbreviation/synonym groups and drug names from the pack."""

from __future__ import annotations

import pytest

from nephroguide.knowledge.lexicon import Lexicon, TermGroup, load_lexicon, term_key


@pytest.mark.parametrize(("term", "canonical"), [
    ("SRNS", "steroid-resistant nephrotic syndrome"), ("ssns", "steroid-sensitive nephrotic syndrome"),
    ("FRNS", "frequently relapsing nephrotic syndrome"), ("SDNS", "steroid-dependent nephrotic syndrome"),
    ("INS", "idiopathic nephrotic syndrome"), ("MCD", "minimal change disease"),
    ("FSGS", "focal segmental glomerulosclerosis"), ("CNI", "calcineurin inhibitor"),
    ("CNIs", "calcineurin inhibitor"), ("calcineurin-inhibitors", "calcineurin inhibitor"),
    ("CsA", "cyclosporine"), ("TAC", "tacrolimus"), ("FK506", "tacrolimus"), ("FK-506", "tacrolimus"),
    ("MMF", "mycophenolate mofetil"), ("RTX", "rituximab"), ("Rituxan", "rituximab"), ("CYC", "cyclophosphamide"),
    ("CTX", "cyclophosphamide"), ("MP", "methylprednisolone"), ("UPCR", "urine protein-to-creatinine ratio"),
    ("Up/c", "urine protein-to-creatinine ratio"), ("UPC", "urine protein-to-creatinine ratio"),
    ("eGFR", "estimated glomerular filtration rate"), ("ESRD", "end-stage kidney disease"),
    ("ESKD", "end-stage kidney disease"), ("ACEi", "angiotensin-converting enzyme inhibitor"),
    ("ARB", "angiotensin receptor blocker"), ("RAAS", "renin-angiotensin-aldosterone system"),
    ("CR", "complete remission"), ("PR", "partial remission"), ("PDN", "prednisolone"),
    ("IVMP", "intravenous methylprednisolone"), ("NGS", "next-generation sequencing"),
    ("Prograf®", "tacrolimus"), ("oedema", "edema"),
])
def test_canonical(term: str, canonical: str) -> None:
    assert load_lexicon().canonical(term) == canonical


def test_expand_is_symmetric() -> None:
    lex = load_lexicon()
    assert "calcineurin inhibitor" in lex.expand("CNI")
    assert "CNI" in lex.expand("calcineurin inhibitors")
    assert "rituximab" in lex.expand("Rituxan") and "rituxan" in lex.expand("rituximab")
    assert "ESRD" in lex.expand("end-stage kidney disease")
    assert lex.expand("no-such-term") == ["no-such-term"]
    assert lex.canonical("no-such-term") is None


def test_find_prefers_longest_match() -> None:
    found = load_lexicon().find("Does IV CTX work after CNIs fail in steroid-resistant nephrotic syndrome? Rituxan")
    assert [m.text for m in found] == ["IV CTX", "CNIs", "steroid-resistant nephrotic syndrome", "Rituxan"]
    assert "ivcyc" in found[0].group_ids


def test_groups_and_duplicates() -> None:
    lex = load_lexicon()
    ids = [g.id for g in lex.groups()]
    assert len(ids) == len(set(ids))
    assert any(g.source == "drugs" for g in lex.groups())
    with pytest.raises(ValueError):
        Lexicon([TermGroup("a", "x", (), "synonym", "lexicon"), TermGroup("a", "y", (), "synonym", "lexicon")])
    assert term_key("Calcineurin-Inhibitors") == ("calcineurin", "inhibitor")
