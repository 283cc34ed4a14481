"""The AI-safe view actions, one command each: validate() gathers the errors and checks access, run() is one unit of
work (the view, its version, its Superset dataset and its journal entries commit together, or nothing does)."""
