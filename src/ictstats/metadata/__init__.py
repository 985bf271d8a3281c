"""What each published table is: fields, resources and code lists, declared once.

Everything else (pandera schemas, Parquet and DuckDB column types, keys, column comments, the
data dictionary) is derived from these declarations.
"""
