"""The single place that decides what may reach a model: mode, masking, providers, budgets, sample caps."""
