"""MongoDB store (pymongo): the primary store, on a single server, a replica set or a sharded cluster."""
