"""Platform-internal Django signals."""
