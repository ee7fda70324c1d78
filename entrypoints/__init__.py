"""Entrypoints: the CLI, the embeddable API, the seed-compatible facade; the container is wired here."""
