"""The only code that knows Superset's internals: datasets, links and filter state, Jinja compilation, SQL Lab,
permission checks. Everything else calls these, so a change in Superset is absorbed here."""
