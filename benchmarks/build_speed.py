"""Benchmark the font-built notMNIST: glyphs/s per core, and the default build's time.

Run:  .venv/bin/python benchmarks/build_speed.py [--repeats 2] [--skip-full]

It measures, on this machine and in one run:
- plain rendering (A-J of a face, cropped and framed) in glyphs/s on one core;
- augmented variants in images/s on one core;
- the whole default build (``tfdojo data build``) with 1 and with 2 processes,
  interleaved, best of ``--repeats``, and the speed-up.
The machine may be shared and noisy: compare the ratios, and rerun before quoting.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def render_rate(files: list[str], seconds: float = 8.0) -> float:
    from tfdojo.data.render import render_file

    glyphs, t0 = 0, time.perf_counter()
    for path in files:
        glyphs += sum(10 for face in render_file(path) if face.glyphs is not None)
        if time.perf_counter() - t0 > seconds:
            break
    return glyphs / (time.perf_counter() - t0)


def augment_rate(files: list[str], seconds: float = 8.0) -> float:
    import numpy as np

    from tfdojo import LETTERS
    from tfdojo.data.augment import variant
    from tfdojo.data.render import draw_glyph, load_font

    made, t0 = 0, time.perf_counter()
    rng = np.random.default_rng(0)
    for path in files:
        try:
            font = load_font(path)
            glyphs = [draw_glyph(font, c) for c in LETTERS]
        except OSError:
            continue
        for g in glyphs:
            if g is not None:
                variant(g, rng)
                made += 1
        if time.perf_counter() - t0 > seconds:
            break
    return made / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--skip-full", action="store_true", help="only the per-core rates")
    args = parser.parse_args()

    from tfdojo.data.build import build
    from tfdojo.data.build_config import BuildConfig
    from tfdojo.data.fonts import find_font_files

    files = [str(f) for f in find_font_files()]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"{len(files)} font files"
    )
    print(f"render, 1 core:  {render_rate(files):8,.0f} glyphs/s")
    print(f"augment, 1 core: {augment_rate(files):8,.0f} images/s")
    if args.skip_full:
        return
    best: dict[int, float] = {}
    faces = images = 0
    for _ in range(args.repeats):
        for processes in (1, 2):
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                man = build(out, BuildConfig(), processes=processes, progress=False)
                dt = time.perf_counter() - t0
            best[processes] = min(best.get(processes, dt), dt)
            faces, images = man["faces_used"], man["counts"]["train"]["total"]
            print(f"  default build, {processes} process(es): {dt:6.1f} s")
    print(
        f"default build ({faces} faces, {images:,} training images): "
        f"1 process {best[1]:.1f} s, 2 processes {best[2]:.1f} s, "
        f"speed-up x{best[1] / best[2]:.2f}"
    )


if __name__ == "__main__":
    main()
