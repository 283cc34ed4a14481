"""One command per action on the domain catalog and on the domains of datasets."""
