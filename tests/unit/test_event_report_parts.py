"""The report's serial ranges merge only where one run ends right before the next; a poster source
is one of the poster sizes or nothing."""
from app.services.live import report, sources


def test_serial_runs_merge_only_when_contiguous_within_a_batch():
    merged = report._merge([("B", 11, 20), ("A", 1, 10), ("B", 1, 10), ("B", 22, 30), ("A", 11, 11)])
    assert [(s.first, s.last, s.kg) for s in merged] == [
        ("A-0000000001", "A-0000000011", 11), ("B-0000000001", "B-0000000020", 20),
        ("B-0000000022", "B-0000000030", 9)]


def test_only_poster_sizes_are_sources():
    assert [sources.poster_source(v) for v in ("a4", "a6", "screen", "kiosk", "", None, "A4")] == [
        "a4", "a6", "screen", None, None, None, None]
