"""Dagster wiring: assets, checks, jobs, schedules and resources that compose the other layers."""
