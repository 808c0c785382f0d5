"""One router per resource: ask, plan, dose, remission, cohort, search, kb, pages, cds_hooks."""
