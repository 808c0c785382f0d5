"""CDS Hooks 2.0: discovery, the ``patient-view`` and ``order-sign`` services, feedback.

``services`` declares the services and their FHIR prefetch templates; ``fhir`` validates FHIR R4
with fhir.resources (its R4B models, whose Patient, Observation, MedicationRequest and Condition
match R4) and maps it to a patient record v1; ``cards`` turns a plan into cards; ``orders`` checks
draft MedicationRequests against the pack's dose rules and cautions through the engine.
"""
