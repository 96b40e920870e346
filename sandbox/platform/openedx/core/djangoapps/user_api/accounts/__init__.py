"""Account lifecycle (retirement signals)."""
