"""Drug names: generic ids, brand names and abbreviations; suggestions that are never applied silently."""

from __future__ import annotations

import pytest

from nephroguide.errors import InputError, UnknownNameError
from nephroguide.intake.drugs import drug_class, generic_id, normalise_name, resolve_drug, suggest_drug


@pytest.mark.parametrize(("name", "drug_id"), [
    ("Prograf", "tacrolimus"),
    ("FK506", "tacrolimus"),
    ("FK-506", "tacrolimus"),
    ("fk 506", "tacrolimus"),
    ("Prograf®", "tacrolimus"),
    ("Advagraf™", "tacrolimus"),
    ("tacrolimus", "tacrolimus"),
    ("Neoral", "cyclosporine"),
    ("ciclosporin", "cyclosporine"),
    ("Cyclosporin A", "cyclosporine"),
    ("CellCept", "mycophenolate_mofetil"),
    ("MMF", "mycophenolate_mofetil"),
    ("mycophenolate mofetil", "mycophenolate_mofetil"),
    ("Mycophenolate-Mofetil", "mycophenolate_mofetil"),
    ("mycophenolate_mofetil", "mycophenolate_mofetil"),
    ("Myfortic", "mycophenolate_sodium"),
    ("Rituxan", "rituximab"),
    ("MabThera", "rituximab"),
    ("RTX", "rituximab"),
    ("Endoxan", "cyclophosphamide"),
    ("predone", "prednisolone"),
    ("Prednisolone", "prednisolone"),
    ("SOLU-MEDROL", "methylprednisolone"),
    ("Solu Medrol", "methylprednisolone"),
    ("frusemide", "furosemide"),
    ("  lisinopril ", "lisinopril"),
])
def test_names_resolve(name: str, drug_id: str) -> None:
    assert resolve_drug(name).id == drug_id


def test_prednisone_is_its_own_entry_treated_as_prednisolone() -> None:
    entry = resolve_drug("prednisone")
    assert entry.id == "prednisone" and entry.equivalent_to == "prednisolone"
    assert generic_id(entry) == "prednisolone"
    assert generic_id(resolve_drug("Deltasone")) == "prednisolone"
    assert generic_id(resolve_drug("Prograf")) == "tacrolimus"


def test_normalise_name() -> None:
    assert normalise_name(" Solu-Medrol® ") == "solumedrol"
    assert normalise_name("mycophenolate_mofetil") == normalise_name("Mycophenolate Mofetil")


@pytest.mark.parametrize(("typo", "suggestion"), [
    ("tacrolimis", "tacrolimus"),
    ("prednisolon", "prednisolone"),
    ("rituximib", "rituximab"),
    ("Cellsept", "mycophenolate_mofetil"),
    ("cyclosporne", "cyclosporine"),
    ("levamisol", "levamisole"),
])
def test_typos_are_errors_with_suggestions(typo: str, suggestion: str) -> None:
    assert suggest_drug(typo)[0] == suggestion
    with pytest.raises(UnknownNameError) as info:
        resolve_drug(typo, field="medications[0].drug")
    err = info.value
    assert isinstance(err, InputError) and err.field == "medications[0].drug"
    assert f"unknown drug {typo!r}" in err.message and f"did you mean {suggestion}" in err.message
    assert "\n" not in err.one_line()


def test_unrelated_names_get_no_suggestion() -> None:
    assert suggest_drug("zzzzzz") == []
    assert suggest_drug("") == []
    with pytest.raises(UnknownNameError) as info:
        resolve_drug("zzzzzz")
    assert "did you mean" not in info.value.message


def test_suggestions_are_unique_ids() -> None:
    hits = suggest_drug("mycophenolate", limit=5)
    assert len(hits) == len(set(hits)) and hits[0] == "mycophenolate_mofetil"


def test_drug_class() -> None:
    assert drug_class("tacrolimus") == "calcineurin_inhibitor"
    assert drug_class("Neoral") == "calcineurin_inhibitor"
    assert drug_class("prednisone") == "glucocorticoid"
    assert drug_class("rituximab") == "anti_cd20_antibody"
    with pytest.raises(UnknownNameError):
        drug_class("nonsense")
