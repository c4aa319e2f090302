"""The Textual user interface: the guided wizard and the connections dashboard.

Only `zconnect` / `zconnect new` import this package; the core never imports it.
"""
