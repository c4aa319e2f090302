"""zconnect: connect to Zoho's APIs from a terminal.

Nothing is imported here on purpose: `zconnect token` must start fast, so every
module is imported only by the code path that needs it.
"""

__version__ = "0.1.0"
