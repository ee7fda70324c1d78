"""Device emulators speaking the real wire protocols on 127.0.0.1, with drift and fault modes."""
