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
