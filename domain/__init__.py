"""Pure models and rules of ricochetdb: no I/O, no clock reads, no drivers."""
