"""Read the outputs of mcm-diffusion into numpy.

>>> import mcm_diffusion
>>> r = mcm_diffusion.load("mcm-output/sweep-...")     # any output directory of `mcm`
>>> r.kind, r["schema"]
('sweep', 'mcm.sweep/1')
>>> p = r["points"][0]                                 # one grid point and direction
>>> p["d"], p["direction"], p["hits"], p["budget"]     # hits: one float per walker, NaN = censored
>>> p["overlaps"].dims                                 # ('log_step', 'walker', 'unit', 'overlap')

The file formats are documented in docs/outputs.md of the repository. numpy is the only dependency.
"""

from .labeled import Labeled
from .load import OVERLAP, SCHEMAS, Record, SchemaError, censored_median, load, point_entries, read_json

__version__ = "0.1.0"

__all__ = [
    "OVERLAP",
    "SCHEMAS",
    "Labeled",
    "Record",
    "SchemaError",
    "censored_median",
    "load",
    "point_entries",
    "read_json",
]
