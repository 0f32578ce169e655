"""Transform: anomaly detection algorithms (statistical, rule-based, ML) and how their scores combine."""
