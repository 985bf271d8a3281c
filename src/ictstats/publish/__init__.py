"""Stage 6, publish: charts and reports read from a built warehouse."""
