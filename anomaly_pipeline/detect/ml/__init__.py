"""Machine-learning detectors on engineered transaction features."""
