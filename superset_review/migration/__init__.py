"""Issue 15: an onboarding run's accepted mapping plan executed as a migration (engine, records, commands, API), and
schema evolution between runs into one target (``evolution``)."""
