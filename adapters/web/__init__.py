"""The web service's pieces that are not wiring: live state, metrics, serialisation, plots, templates."""
