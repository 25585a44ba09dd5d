"""The built-in bench set of photo-like images (scanner/data/qr, made by tests/data/make_qr_images.py)."""

from __future__ import annotations

import json
from pathlib import Path

from scanner.bench.evalqr import bench, default_manifest, format_table, load_manifest

BUILTIN = Path(__file__).resolve().parents[2] / "scanner" / "data" / "qr"


def test_builtin_bench_set_is_fully_decoded_and_beats_nothing_less_than_zxing_alone() -> None:
    entries = load_manifest(default_manifest())
    assert len(entries) >= 6
    pipeline, zxing = bench()
    assert pipeline.decoder == "pipeline" and zxing.decoder == "zxing-cpp"
    assert pipeline.codes == zxing.codes == sum(len(e["texts"]) for e in entries)
    assert pipeline.decoded == pipeline.codes
    assert pipeline.decoded >= zxing.decoded
    assert pipeline.max_ms < 2000
    table = format_table([pipeline, zxing])
    assert "pipeline" in table and "zxing-cpp" in table and "%" in table
    d = pipeline.to_dict(per_image=True)
    assert set(d) >= {"rate", "median_ms", "p95_ms", "max_ms", "per_image"}
    assert len(d["per_image"]) == len(entries)


def test_bench_over_a_custom_manifest(tmp_path: Path) -> None:
    entry = next(e for e in load_manifest(default_manifest()) if e["file"] == "inverted.jpg")
    (tmp_path / "a.webp").write_bytes((BUILTIN / "inverted.jpg").read_bytes())
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    manifest = {"images": [{"file": "a.webp", "texts": entry["texts"]},
                           {"file": "broken.png", "texts": ["x"]}]}
    (tmp_path / "m.json").write_text(json.dumps(manifest), encoding="utf-8")
    [pipeline] = bench(tmp_path / "m.json", baseline=False)
    assert (pipeline.codes, pipeline.decoded) == (2, 1)
    assert pipeline.results[1].error == "corrupt_image"
