"""Superset wiring: app initializer, security manager, settings, feature flags, pages and menus."""
