"""Issue 10 (medication safety): one test per item, named after the child and the wrong output it prevents."""

from __future__ import annotations

import pytest

from nephroguide import api
from nephroguide.errors import InputError


# ---------------------------------------------------------------- item 8: dose look-up by the indication typed

def test_item8_rituximab_srns_21kg_uses_cni_resistant_instead_of_failing_with_a_list():
    ans = api.dose("rituximab", weight_kg=21, height_cm=118, indication="srns")
    assert ans.indication == "cni_resistant" and ans.indication_asked == "srns"
    assert "narrower indication cni_resistant (within srns)" in ans.indication_note
    assert ans.to_json()["indication_asked"] == "srns"


def test_item8_prednisolone_ssns_is_truly_ambiguous_and_lists_the_choices():
    with pytest.raises(InputError) as exc:
        api.dose("prednisolone", weight_kg=21, height_cm=118, indication="ssns")
    assert exc.value.field == "indication" and "maintenance, relapse" in str(exc.value)


def test_item8_unknown_indication_still_lists_what_is_available():
    with pytest.raises(InputError) as exc:
        api.dose("tacrolimus", weight_kg=21, height_cm=118, indication="edema")
    assert "available: sdns, srns" in str(exc.value)
