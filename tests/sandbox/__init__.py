"""Tests of the simulated LMS (sandbox): it behaves like the LMS where the plugin depends on it."""
