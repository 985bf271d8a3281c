"""Stage 5, warehouse: a build written as Parquet and DuckDB into a staging folder and made
current in one swap; the project lock; read-only queries.
"""
