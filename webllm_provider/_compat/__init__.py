"""What differs between Pyodide and CPython, decided once, at import.

Two questions are settled here and nowhere else:

- where the bridge to WebLLM comes from: inside Pyodide it is the JavaScript
  module that ``js/bridge.js`` registers; on CPython there is none unless the
  caller passes one;
- which types the provider returns: amplifier-core's own (pydantic) models and
  error taxonomy when amplifier-core imports, which it never does in Pyodide,
  and otherwise this package's lightweight look-alikes with the same field
  names.
"""

import sys
from importlib.util import find_spec

IN_PYODIDE = "_pyodide_core" in sys.modules
HAS_AMPLIFIER_CORE = not IN_PYODIDE and find_spec("amplifier_core") is not None

if IN_PYODIDE:
    from ..pyodide_bridge import default_bridge as default_bridge
else:
    from ._not_in_pyodide import default_bridge as default_bridge

# Both sides export the same names (tests/cpython/test_type_parity.py checks).
if HAS_AMPLIFIER_CORE:
    from ._amplifier import *  # noqa: F403
else:
    from ._lite_errors import *  # noqa: F403
    from ._lite_models import *  # noqa: F403
