"""Dagster definitions: per-upload partitioned assets, the file-drop sensor, schedules and checks."""
