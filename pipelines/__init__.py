"""Dagster code location for ictstats: thin glue over `ictstats`."""
