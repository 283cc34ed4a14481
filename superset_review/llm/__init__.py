"""The provider-agnostic LLM gateway: registry, routing, error taxonomy, cache, budgets and ledger."""
