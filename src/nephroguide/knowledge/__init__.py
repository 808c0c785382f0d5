"""The knowledge pack: recommendations, definitions, dose rules, cautions, conflicts and studies as data."""
