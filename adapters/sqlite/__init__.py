"""SQLite store (SQLAlchemy 2 Core): tests, offline laptops, and the local spool."""
