"""Statistical detectors: deviations from an account's or counterparty's own history."""
