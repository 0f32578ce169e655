"""Load: the warehouse schema, its migrations and the resource that reads and writes it."""
