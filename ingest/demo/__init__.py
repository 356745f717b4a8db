"""The deterministic demo organisation and the writers that turn a scenario into real data."""
