"""What every model module shares."""
from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Naive UTC: SQLite keeps no zone, so every timestamp is naive UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)
