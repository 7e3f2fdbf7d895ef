"""Render sample certificates to /tmp/certs/ and time render_png.

    .venv/bin/python bench/render_certificates.py [--runs 20] [--out /tmp/certs]

"cold" = first render in a fresh interpreter (fonts, cmaps, emblem not yet
cached; module import excluded), measured in a new subprocess per run.
"warm" = renders in this process with fonts cached, a new URL (QR) each time.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from _site import ROOT, sample_certificate

from app.services.certificates.artwork import SHAPES, CertificateData, render_png

LONG_NAME = "Maria Concepcion Dela Cruz-Santos Villanueva de los Reyes III"  # 60 chars

SERIALS = (("CDCER-2021", 120501, 120920), ("CDCER-2022", 4401, 4402), ("CDCER-2022", 7710, 7713))
SAMPLES = {
    "wang-xiaoming": dict(name="王小明", organization="成都环境交易所", language="zh",
                          event_name="首届中国数字碳中和论坛"),
    "nino-dela-cruz": dict(name="Niño Dela Cruz", organization="Ateneo de Manila",
                           language="fil"),
    "long-name": dict(name=LONG_NAME, organization="Asian Institute of Sustainable Futures",
                      language="en"),
}


def sample(**over) -> CertificateData:
    """What the image of a sample certificate is drawn from, through the content service."""
    return sample_certificate(**{"name": "Ana 王", "serials": SERIALS, **over}).artwork()


_COLD = """
import time, sys
sys.path[:0] = [{root!r}, {bench!r}]
import render_certificates
from app.services.certificates.artwork import render_png
d = render_certificates.sample(**{over!r})
t = time.perf_counter(); render_png(d, {shape!r}); print(time.perf_counter() - t)
"""


def cold_ms(over: dict, shape: str) -> float:
    code = _COLD.format(root=str(ROOT), bench=str(ROOT / "bench"), over=over, shape=shape)
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
            cold = [cold_ms(SAMPLES[key], shape) for _ in range(args.runs)]
            warm = [warm_ms(data, shape, i) for i in range(args.runs)]
            results[f"{shape}/{key}"] = (statistics.median(cold), statistics.median(warm))
    print(f"median over {args.runs} runs (ms):")
    for k, (c, w) in results.items():
        print(f"  {k:28s} cold {c:6.1f}   warm {w:6.1f}")
    print(json.dumps({k: {"cold_ms": round(c, 1), "warm_ms": round(w, 1)}
                      for k, (c, w) in results.items()}))


if __name__ == "__main__":
    main()
