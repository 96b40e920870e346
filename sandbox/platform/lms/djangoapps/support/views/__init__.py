"""Views of the support app (only the course reset helpers are simulated)."""
