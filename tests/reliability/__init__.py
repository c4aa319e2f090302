"""Harnesses for the reliability and security evidence (tests/test_*.py and benchmarks/reliability.py).

Each `run_*` function builds its own lab (a Zoho emulator on 127.0.0.1 plus a connections file
pointing at it), runs one scenario at a given scale and returns a report of plain counts. The
tests assert on the reports at CI scale; `benchmarks/reliability.py` prints them at any scale.
Nothing here reaches beyond 127.0.0.1.

    lab                the shared lab (emulator + connections file), CLI runner, helpers
    hostile_callbacks  1. hostile callbacks against a live flow's listener
    crash              2. crash safety: writers SIGKILLed at random moments
    concurrency        3. concurrency: processes released at once, rate limit on
    hygiene            4. secret hygiene: every command, file and screenshot scanned
    faults             5. network faults: every fault against every command
    bounded            6. bounded calls: dripping and huge answers against one call to Zoho
"""
