"""A numpy array with named axes: enough to say what each axis of an overlap log is, no more."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np


class Labeled:
    """An ndarray ``values`` whose axes have names ``dims``; ``coords`` maps a dim to its labels.

    >>> ov = record["points"][0]["overlaps"]          # dims ("log_step", "walker", "unit", "overlap")
    >>> ov.sel(overlap="u", unit=0).shape              # (log steps, walkers)
    >>> np.nanmedian(ov.values, axis=ov.axis("walker"))

    ``np.asarray(labeled)`` gives the plain array.
    """

    __slots__ = ("values", "dims", "coords")

    def __init__(self, values: Any, dims: Sequence[str], coords: Mapping[str, Sequence[Any]] | None = None):
        self.values = np.asarray(values)
        self.dims = tuple(dims)
        if self.values.ndim != len(self.dims):
            raise ValueError(f"dims {self.dims} name {len(self.dims)} axes, the array has {self.values.ndim}")
        self.coords = {k: np.asarray(v) for k, v in (coords or {}).items()}
        for k, v in self.coords.items():
            if k not in self.dims:
                raise ValueError(f"coordinate {k!r} is not one of the dims {self.dims}")
            if len(v) != self.values.shape[self.dims.index(k)]:
                raise ValueError(f"coordinate {k!r} has {len(v)} labels, its axis {self.values.shape[self.dims.index(k)]}")

    @property
    def shape(self) -> tuple[int, ...]:
        return self.values.shape

    def axis(self, dim: str) -> int:
        """The position of axis ``dim``."""
        try:
            return self.dims.index(dim)
        except ValueError:
            raise KeyError(f"no axis {dim!r}; the axes are {self.dims}") from None

    def isel(self, **indices: int) -> "Labeled | np.ndarray":
        """Take index ``i`` along each named axis (the axis goes away)."""
        out, dims, coords = self.values, list(self.dims), dict(self.coords)
        for dim, i in indices.items():
            a = dims.index(dim) if dim in dims else self.axis(dim)
            out = np.take(out, i, axis=a)
            dims.pop(a)
            coords.pop(dim, None)
        return Labeled(out, dims, coords) if dims else out

    def sel(self, **labels: Any) -> "Labeled | np.ndarray":
        """Like ``isel``, by coordinate label (an axis without coordinates is indexed by position)."""
        indices = {}
        for dim, label in labels.items():
            self.axis(dim)
            if dim not in self.coords:
                indices[dim] = int(label)
                continue
            hits = np.nonzero(self.coords[dim] == label)[0]
            if len(hits) == 0:
                raise KeyError(f"{dim}={label!r}: not among {list(self.coords[dim])}")
            indices[dim] = int(hits[0])
        return self.isel(**indices)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        axes = ", ".join(f"{d}: {n}" for d, n in zip(self.dims, self.values.shape))
        names = "".join(f"\n  {k}: {v[:6].tolist()}{' ...' if len(v) > 6 else ''}" for k, v in self.coords.items())
        return f"Labeled({axes}; {self.values.dtype}){names}"
