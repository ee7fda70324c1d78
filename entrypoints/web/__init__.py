"""The web service: the Starlette app factory, its routes, and the wiring to the store and the poller."""
