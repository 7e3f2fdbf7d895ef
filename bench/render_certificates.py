"""Render sample certificates to /tmp/certs/ and time render_png.

    .venv/bin/python bench/render_certificates.py [--runs 20] [--out /tmp/certs]

"cold" = first render in a fresh interpreter (fonts, cmaps, emblem not yet
cached; module import excluded), measured in a new subprocess per run.
"warm" = renders in this process with fonts cached, a new URL (QR) each time.
"""
from __future__ import annotations

import argparse
import datetime
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.services.certificates.artwork import SHAPES, CertificateData, format_number, render_png  # noqa: E402

LONG_NAME = "Maria Concepcion Dela Cruz-Santos Villanueva de los Reyes III"  # 60 chars

SAMPLES = {
    "wang-xiaoming": dict(name="王小明", organization="成都环境交易所", language="zh",
                          event_name="首届中国数字碳中和论坛"),
    "nino-dela-cruz": dict(name="Niño Dela Cruz", organization="Ateneo de Manila",
                           language="fil"),
    "long-name": dict(name=LONG_NAME, organization="Asian Institute of Sustainable Futures",
                      language="en"),
}


def sample(**over) -> CertificateData:
    base = dict(
        number=format_number(42, 2026),
        name="Ana 王",
        organization="",
        event_name="2026 China Digital Carbon Neutrality Forum",
        kg=420,
        project_name="Sichuan Rural Household Biogas",
        project_standard="Gold Standard",
        serials=(
            "CDCER-2021-0000120501 \u2013 CDCER-2021-0000120920",
            "CDCER-2022-0000004401 \u2013 CDCER-2022-0000004402",
            "CDCER-2022-0000007710 \u2013 CDCER-2022-0000007713",
        ),
        issued_on=datetime.date(2026, 9, 7),
        url="https://carbondot.example/c/q3Xf8v1kR0bT9mW2yZ4pLw",
        language="en",
    )
    base.update(over)
    return CertificateData(**base)


_COLD = """
import time, datetime, sys
sys.path.insert(0, {root!r})
from app.services.certificates.artwork import CertificateData, render_png  # noqa: E402
d = CertificateData(**{kwargs!r})
t = time.perf_counter(); render_png(d, {shape!r}); print(time.perf_counter() - t)
"""


def cold_ms(data: CertificateData, shape: str) -> float:
    kwargs = {k: getattr(data, k) for k in data.__dataclass_fields__}
    code = _COLD.format(root=str(ROOT), kwargs=kwargs, shape=shape)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return float(res.stdout.strip()) * 1000


def warm_ms(data: CertificateData, shape: str, run: int) -> float:
    """Fonts/cmaps cached; a fresh URL each time so the QR is really encoded."""
    render_png(data, shape)
    data = replace(data, url=f"{data.url[:-4]}{run:04d}")
    t = time.perf_counter()
    render_png(data, shape)
    return (time.perf_counter() - t) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out", default="/tmp/certs")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    written = []
    for key, over in SAMPLES.items():
        data = sample(**over)
        for shape in SHAPES:
            png = render_png(data, shape)
            path = out / f"{key}-{shape}.png"
            path.write_bytes(png)
            written.append((str(path), len(png)))
    for path, size in written:
        print(f"wrote {path} ({size / 1024:.0f} KiB)")

    results = {}
    for shape in SHAPES:
        for key in ("nino-dela-cruz", "wang-xiaoming"):
            data = sample(**SAMPLES[key])
            cold = [cold_ms(data, shape) for _ in range(args.runs)]
            warm = [warm_ms(data, shape, i) for i in range(args.runs)]
            results[f"{shape}/{key}"] = (statistics.median(cold), statistics.median(warm))
    print(f"median over {args.runs} runs (ms):")
    for k, (c, w) in results.items():
        print(f"  {k:28s} cold {c:6.1f}   warm {w:6.1f}")
    print(json.dumps({k: {"cold_ms": round(c, 1), "warm_ms": round(w, 1)}
                      for k, (c, w) in results.items()}))


if __name__ == "__main__":
    main()
