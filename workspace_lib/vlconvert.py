"""vl-convert, the chart engine, set up once per process: nothing is fetched from the network.

vl-convert 2 takes the addresses it may read data and images from as a setting of the process
(``configure``), no longer as an argument of each conversion. The empty list refuses every
external data or image request: a chart's spec must carry its data inline.

Vega's warnings (say « Infinite extent » for a chart whose cells are all secret) are forwarded
by vl-convert 2 to the ``vl_convert`` logger: only its errors are kept, the reports' readers and
the campaign's terminal have nothing to do with the others.
"""

from __future__ import annotations

import functools
import logging
from types import ModuleType


@functools.cache
def vl_convert() -> ModuleType:
    """The ``vl_convert`` module, configured (0.1 s import; its JavaScript engine starts on first use)."""
    import vl_convert as module  # noqa: PLC0415

    module.configure(allowed_base_urls=[])
    logging.getLogger("vl_convert").setLevel(logging.ERROR)
    return module
