"""Flatten a code that is bent, not just tilted: on a bottle, a cup, a curled flyer, a lens's barrel.

:func:`scanner.decode._rectify` undoes perspective from four corners, which leaves a curved code
bowed (its top and bottom edges arcs) and squeezed towards the sides (a cylinder shows its modules
narrower the further they turn away). Here, inside that rectified square:

1. the code's four outer edges are traced, each from the inside outwards (the edge is the last dark
   pixel before two modules of quiet zone), the light edge modules filled in by a running extreme
   over a few modules, and a quadratic fitted with outliers (background clutter) dropped;
2. a Coons patch, the surface bounded by those four curves, maps the square grid onto the code;
3. optionally the squeeze of a cylinder turning through ``2k`` radians is undone along one axis.

The edges are traced once per code (:func:`trace`); the caller then tries a few ``k`` and both axes
(:meth:`Bend.flatten`) and keeps the first reading that decodes: QR error correction makes a wrong
flattening fail instead of misreading.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .opencv import opencv

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Gray = npt.NDArray[np.uint8]
    Floats = npt.NDArray[np.float64]

QUIET_MODULES = 2
"""Light modules that end the walk outwards: the quiet zone (4 modules by the standard, often less)."""
BAND_MODULES = 3
"""How far, in modules, an edge may lie from where the corners put it."""
CURVES = ((0.0, 0), (0.7, 1), (0.7, 0), (1.0, 1), (1.0, 0), (0.4, 1), (0.4, 0))
"""(half-turn ``k`` in radians, axis) tried in order: flat first, then common cylinder wraps."""


def _outer_edge(dark: npt.NDArray[np.bool_], start: int, stop: int, quiet: int) -> Floats:
    """Per column, the row of the last dark pixel walking from ``start`` towards ``stop`` (NaN: none).

    The walk ends at the first run of ``quiet`` light pixels (the quiet zone).
    """
    import numpy as np

    step = 1 if stop > start else -1
    rows = np.arange(start, stop, step)
    seg = dark[rows, :]
    cols = seg.shape[1]
    run = np.zeros(cols, dtype=np.int32)
    ended = np.zeros(cols, dtype=bool)
    last = np.full(cols, np.nan)
    for i, row in enumerate(seg):
        live = ~ended
        hit = row & live
        last[hit] = rows[i]
        run = np.where(row, 0, run + 1)
        ended |= run >= quiet
    return last


def _envelope(values: Floats, width: int, outer: str) -> Floats:
    """Running min (``outer="min"``) or max over ``2*width+1`` samples, ignoring NaN."""
    import numpy as np
    from numpy.lib.stride_tricks import sliding_window_view

    fill = np.inf if outer == "min" else -np.inf
    padded = np.pad(np.where(np.isnan(values), fill, values), width, constant_values=fill)
    windows = sliding_window_view(padded, 2 * width + 1)
    extreme = windows.min(axis=1) if outer == "min" else windows.max(axis=1)
    out: Floats = np.asarray(extreme, dtype=np.float64)
    out[np.isinf(out)] = np.nan
    return out


def _fit(xs: Floats, ys: Floats, tolerance: float) -> Floats | None:
    """A quadratic through (xs, ys), refitted once without the points more than ``tolerance`` off."""
    import numpy as np

    ok = ~np.isnan(ys)
    if ok.sum() < 10:
        return None
    with warnings.catch_warnings():
        # A degenerate edge (all points on one pixel) makes polyfit warn; the fit is still usable.
        warnings.simplefilter("ignore")
        poly: Floats = np.polyfit(xs[ok], ys[ok], 2)
        ok &= ~(np.abs(np.polyval(poly, xs) - np.nan_to_num(ys)) > tolerance)
        if ok.sum() < 10:
            return None
        fitted: Floats = np.polyfit(xs[ok], ys[ok], 2)
    return fitted


def edges(binary: Gray, lo: int, hi: int, ppm: int) -> tuple[Floats, Floats] | None:
    """Quadratics of the code's first and last edge along axis 0 (top and bottom, per column).

    ``lo``/``hi`` are where the corners put the code's edges; ``binary`` has dark modules < 128.
    """
    import numpy as np

    dark = binary < 128
    size = dark.shape[0]
    band, quiet = BAND_MODULES * ppm, QUIET_MODULES * ppm
    xs = np.arange(lo, hi)
    sub = dark[:, lo:hi]
    first = _outer_edge(sub, min(size - 1, lo + band), max(-1, lo - band), quiet)
    last = _outer_edge(sub, max(0, hi - band), min(size, hi + band), quiet) + 1
    # Clutter beyond the band's middle is not the code.
    first[np.abs(first - lo) > 2.5 * ppm] = np.nan
    last[np.abs(last - hi) > 2.5 * ppm] = np.nan
    top = _fit(xs.astype(np.float64), _envelope(first, 2 * ppm, "min"), ppm)
    bottom = _fit(xs.astype(np.float64), _envelope(last, 2 * ppm, "max"), ppm)
    if top is None or bottom is None:
        return None
    return top, bottom


@dataclass(frozen=True, slots=True)
class Bend:
    """The four traced edges of one rectified code: trace once, flatten for every ``k`` and axis."""

    top: Floats
    bottom: Floats
    left: Floats
    right: Floats
    lo: int
    hi: int

    def flatten(self, rect: Gray, k: float = 0.0, axis: int = 0) -> Gray:
        """``rect`` with this bend undone; ``k`` is half the angle, in radians, the code turns
        through on a cylinder whose axis is perpendicular to ``axis`` (0: the squeeze is along x)."""
        import numpy as np

        lo, hi = self.lo, self.hi
        size = rect.shape[0]
        grid = (np.arange(size, dtype=np.float64) - lo) / (hi - lo)
        s, t = np.meshgrid(grid, grid)
        if k:
            squeezed = 0.5 + np.sin((s if axis == 0 else t) * 2 * k - k) / (2 * np.sin(k))
            if axis == 0:
                s = squeezed
            else:
                t = squeezed
        x0 = lo + s * (hi - lo)
        y0 = lo + t * (hi - lo)
        # Coons patch of the four edge curves (the straight-line corner term cancels for quadratics
        # that meet at the corners; where they do not, this blend keeps the nearer edge's shape).
        y = (1 - t) * np.polyval(self.top, x0) + t * np.polyval(self.bottom, x0)
        x = (1 - s) * np.polyval(self.left, y0) + s * np.polyval(self.right, y0)
        cv2 = opencv()
        out: Gray = cv2.remap(rect, x.astype(np.float32), y.astype(np.float32), cv2.INTER_LINEAR,
                              borderMode=cv2.BORDER_REPLICATE)
        return out


def trace(rect: Gray, lo: int, hi: int, ppm: int) -> Bend | None:
    """The edges of ``rect`` (a perspective-rectified code spanning ``lo``–``hi`` on both axes).

    None when they cannot be traced (no code there, or too little of one).
    """
    import numpy as np

    cv2 = opencv()
    _, binary = cv2.threshold(rect, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    rows = edges(binary, lo, hi, ppm)
    cols = edges(np.ascontiguousarray(binary.T), lo, hi, ppm)
    if rows is None or cols is None:
        return None
    return Bend(rows[0], rows[1], cols[0], cols[1], lo, hi)


def flatten(rect: Gray, lo: int, hi: int, ppm: int, k: float = 0.0, axis: int = 0) -> Gray | None:
    """:func:`trace` then :meth:`Bend.flatten` in one call; None when the edges cannot be traced."""
    bend = trace(rect, lo, hi, ppm)
    return None if bend is None else bend.flatten(rect, k, axis)
