"""One command per migration action."""
