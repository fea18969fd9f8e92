"""Reads Parquet files with pyarrow and prints each row as one JSON line (the export test compares them with
the jsonl export). Instants print as ISO 8601 UTC with milliseconds (`2024-05-01T10:00:00.000Z`), days as
YYYY-MM-DD, lists as lists; everything else as pyarrow gives it.

Usage: read-parquet.py FILE...
"""
import datetime
import json
import sys

import pyarrow.parquet as pq


def plain(value):
    if isinstance(value, datetime.datetime):
        value = value.astimezone(datetime.timezone.utc)
        return value.strftime('%Y-%m-%dT%H:%M:%S.') + f'{value.microsecond // 1000:03d}Z'
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


for path in sys.argv[1:]:
    table = pq.read_table(path)
    for row in table.to_pylist():
        print(json.dumps({key: plain(value) for key, value in row.items()}))
