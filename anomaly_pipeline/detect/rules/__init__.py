"""Rule-based detectors: explicit tests auditors and controllers know by name."""
