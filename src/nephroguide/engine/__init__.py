"""The patient engine: classify the course, select next steps, compute doses, collect cautions."""
