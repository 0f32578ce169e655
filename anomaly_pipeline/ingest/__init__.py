"""Extract: detect a file's format from its content, read it, normalize it to the canonical schema."""
