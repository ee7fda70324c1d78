"""Adapters: stores (memory, SQLite, MongoDB), device protocols and device emulators."""
