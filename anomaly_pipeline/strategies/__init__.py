"""Named, versioned detection configurations: which algorithms run, their parameters and weights."""
