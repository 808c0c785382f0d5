"""The CDS services this app offers (discovery document) and the FHIR codes it reads."""

from __future__ import annotations

from typing import Any

PATIENT_VIEW = "nephroguide-patient-view"
ORDER_SIGN = "nephroguide-order-sign"

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
SNOMED = "http://snomed.info/sct"

# LOINC code -> what nephroguide reads it as ("weight"/"height" set the child's size; the rest are labs).
LOINC_CODES: dict[str, str] = {
    "29463-7": "weight",       # Body weight
    "8302-2": "height",        # Body height
    "2890-2": "upcr",          # Protein/Creatinine [Mass Ratio] in Urine
    "13801-3": "upcr",         # also accepted as a urine protein/creatinine ratio; the unit decides the conversion
    "1751-7": "albumin",       # Albumin [Mass/volume] in Serum or Plasma
    "2160-0": "creatinine",    # Creatinine [Mass/volume] in Serum or Plasma
}

# Conditions that mark a chart as one nephroguide has something to say about (plus any whose text says
# "nephrotic"): SNOMED CT 52254009 Nephrotic syndrome; ICD-10 N04.* Nephrotic syndrome.
NEPHROTIC_SNOMED = frozenset({"52254009"})
NEPHROTIC_ICD10_PREFIX = "N04"

_OBS = "Observation?patient={{context.patientId}}&code=" + LOINC + "|"

PATIENT_VIEW_PREFETCH: dict[str, str] = {
    "patient": "Patient/{{context.patientId}}",
    "weight": _OBS + "29463-7&_sort=-date&_count=1",
    "height": _OBS + "8302-2&_sort=-date&_count=1",
    "upcr": _OBS + "2890-2," + LOINC + "|13801-3&_sort=-date&_count=50",
    "albumin": _OBS + "1751-7&_sort=-date&_count=50",
    "creatinine": _OBS + "2160-0&_sort=-date&_count=10",
    "medications": "MedicationRequest?patient={{context.patientId}}&_count=100",
    "conditions": "Condition?patient={{context.patientId}}&_count=100",
}

ORDER_SIGN_PREFETCH: dict[str, str] = dict(PATIENT_VIEW_PREFETCH)

# Prefetch keys a service cannot do without (absent and not fetchable -> 412).
REQUIRED: dict[str, tuple[str, ...]] = {PATIENT_VIEW: ("patient",), ORDER_SIGN: ("patient", "weight")}

SERVICES: dict[str, dict[str, Any]] = {
    PATIENT_VIEW: {
        "hook": "patient-view", "id": PATIENT_VIEW, "title": "nephroguide: childhood nephrotic syndrome",
        "description": "Classifies the course of a child's nephrotic syndrome from weight, height, urine "
                       "protein/creatinine ratio, albumin, creatinine, medications and conditions, and shows "
                       "the ranked, dosed, cited next steps and cautions (KDIGO 2025, IPNA).",
        "prefetch": PATIENT_VIEW_PREFETCH,
    },
    ORDER_SIGN: {
        "hook": "order-sign", "id": ORDER_SIGN, "title": "nephroguide: nephrotic syndrome order check",
        "description": "Checks draft MedicationRequests for prednisolone, tacrolimus, cyclosporine, "
                       "mycophenolate, rituximab and cyclophosphamide against the knowledge pack's dose rules "
                       "for the child's weight and height (maximum dose, cumulative limit) and its cautions "
                       "(live vaccines, eGFR below 30), with a corrected-dose suggestion.",
        "prefetch": ORDER_SIGN_PREFETCH,
    },
}


def discovery() -> dict[str, Any]:
    return {"services": [SERVICES[PATIENT_VIEW], SERVICES[ORDER_SIGN]]}
