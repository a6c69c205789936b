"""The central (provincial) system: HTTP server, store (SQLite | PostgreSQL), projection, portal export."""
