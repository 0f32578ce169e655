"""One dynamic partition per upload; the key is the first 16 hex digits of the file's SHA-256."""

import dagster as dg

uploads_partitions = dg.DynamicPartitionsDefinition(name="uploads")

KEY_LENGTH = 16


def partition_key_for(sha256_hex: str) -> str:
    return sha256_hex[:KEY_LENGTH]
