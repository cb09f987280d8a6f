"""I/O edge: Parquet partitions on disk (and, later, object stores and PostgreSQL). No Dagster here."""
