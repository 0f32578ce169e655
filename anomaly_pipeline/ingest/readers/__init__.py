"""One module per file format; `anomaly_pipeline.ingest.registry` maps format names to them."""
