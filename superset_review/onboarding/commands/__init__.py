"""One command per action on a run: ``validate()`` gathers the errors and checks access, ``run()`` acts in one unit
of work together with its ledger event."""
