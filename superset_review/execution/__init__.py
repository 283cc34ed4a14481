"""From a review to a safe run: template-variable mappings with approvals, the inputs' fingerprint, the check that
values stay data, and the launch gate. Pure: Superset compiles, this package decides."""
