-- The Dagster instance keeps its run/event/schedule storage in its own database.
CREATE DATABASE dagster;
