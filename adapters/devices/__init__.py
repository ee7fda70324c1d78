"""Device protocols: pure codecs, the shared transports, and one reader per device type."""
