"""ictstats: validated, versioned ICT indicator statistics.

Plain Python, no Dagster: source manifest and fetching, table-driven parsers, pandera schemas,
the DuckDB/Parquet warehouse and the command line. The Dagster code location in `pipelines/`
is thin glue over these modules.
"""

__version__ = "0.1.0"
