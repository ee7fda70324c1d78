"""Use-cases of ricochetdb; they talk to the world only through the ports in ``ports``."""
