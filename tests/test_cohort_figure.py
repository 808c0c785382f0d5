"""The cohort figure: deterministic bytes, a valid PNG of the fixed size, SVG without dates."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from nephroguide.cohort import cohort, plot
from nephroguide.cohort.figure import DPI, figure_pixels, figure_size, thresholds
from nephroguide.errors import InputError

CORPUS = Path(__file__).parent / "corpus" / "cohort"
LABS = CORPUS / "haddad_pattern" / "labs.csv"


@pytest.fixture(scope="module")
def result():
    return cohort(LABS, CORPUS / "haddad_pattern" / "patients.csv", definitions="haddad2021",
                  index_event="ctx_infusion")


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_is_deterministic_and_of_the_fixed_size(result, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    plot(result, str(a))
    plot(result, str(b))
    assert a.read_bytes() == b.read_bytes()
    assert png_size(a.read_bytes()) == figure_pixels(8) == (1125, round(figure_size(8)[1] * DPI))
    from PIL import Image

    with Image.open(a) as img:
        img.verify()
    with Image.open(a) as img:
        assert img.size == figure_pixels(8) and img.format == "PNG"
        assert "Software" not in img.info


def test_svg_is_deterministic_and_has_no_date(result, tmp_path):
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    plot(result, str(a))
    plot(result, str(b))
    text = a.read_text()
    assert a.read_bytes() == b.read_bytes()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    assert "<dc:date>" not in text and "Matplotlib v" not in text


def test_figure_size_grows_by_rows_only():
    assert figure_size(1)[0] == figure_size(40)[0]
    assert figure_size(4) == figure_size(1)
    assert figure_size(5)[1] > figure_size(4)[1]


def test_thresholds_come_from_the_definition_set(result):
    labels = {label.split(" (")[0]: value for label, value, _c, _s in thresholds(result)}
    assert labels == {"CR limit": 0.2, "PR upper limit": 1.0, "nephrotic range": 2.0}
    current = cohort(LABS, definitions="current", index_event="ctx_infusion")
    labels = {label.split(" (")[0]: value for label, value, _c, _s in thresholds(current)}
    assert labels == {"CR limit": 0.2, "PR upper limit = nephrotic range": 2.0}


def test_wrong_extension_writes_nothing(result, tmp_path):
    with pytest.raises(InputError, match=r"\.png or \.svg"):
        plot(result, str(tmp_path / "figure.pdf"))
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------- swimmer and Kaplan-Meier

@pytest.mark.parametrize("kind", ["swimmer", "km"])
@pytest.mark.parametrize("ext", ["png", "svg"])
def test_swimmer_and_km_are_byte_identical_on_repeat(result, tmp_path, kind, ext):
    a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
    plot(result, str(a), kind=kind)
    plot(result, str(b), kind=kind)
    assert a.read_bytes() == b.read_bytes() and len(a.read_bytes()) > 1000
    if ext == "svg":
        text = a.read_text()
        assert "<dc:date>" not in text and "Matplotlib v" not in text
    else:
        from PIL import Image

        with Image.open(a) as img:
            assert img.format == "PNG" and "Software" not in img.info


def test_swimmer_rows_follow_each_patients_course(result):
    from nephroguide.cohort.figure import swimmer_rows

    rows = {r["patient_id"]: r for r in swimmer_rows(result)}
    assert [r["patient_id"] for r in swimmer_rows(result)][:4] == ["1", "6", "2", "7"]  # CR, longest first
    assert len(rows["1"]["index_times"]) == 5 and rows["1"]["index_times"][-1] == 0.0
    assert rows["2"]["remission"] == round(198 / 30.4375, 4) and rows["4"]["remission"] == round(137 / 30.4375, 4)
    assert rows["7"]["remission"] < 0 < rows["7"]["relapse"]
    assert any(name == "eskd" for _t, name in rows["8"]["events"])
    assert rows["3"]["remission"] is None and rows["3"]["relapse"] is None


def test_kaplan_meier_uses_lifelines_and_leaves_out_the_child_in_remission_at_time_zero(result):
    from nephroguide.cohort.figure import at_risk, fit_km, km_data

    d = km_data(result)
    assert d["left_out"] == ["7"] and len(d["durations"]) == 7 and sum(d["observed"]) == 3
    kmf = fit_km(result)
    assert type(kmf).__module__.startswith("lifelines")
    # 7 at risk at time zero; one remission at 0.5 months and one censored (ESKD) at 1.5 -> 5 at 6 months;
    # remissions at 6.5 and 8 months and a censoring at 10.8 -> 2 at 12 months
    assert at_risk(kmf, [0.0, 6.0, 12.0]) == [7, 5, 2]
    assert round(float(kmf.cumulative_density_at_times([9.0]).iloc[0]), 3) == round(1 - (6 / 7) * (4 / 5) * (3 / 4), 3)


def test_a_bad_kind_is_a_usage_error(result, tmp_path):
    from nephroguide.errors import UsageError

    with pytest.raises(UsageError, match="timeline, swimmer or km"):
        plot(result, str(tmp_path / "x.png"), kind="forest")
    assert list(tmp_path.iterdir()) == []
