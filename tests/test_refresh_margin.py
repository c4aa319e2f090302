"""#18 item 8(g): `zconnect token` refreshes a token with less than 5 minutes left, and only then.

Both deciders are tried as the process a script runs: the fast path (fastpath.py, which must step
aside) and the full CLI (model.REFRESH_MARGIN; the fast path kept out by a multi-line string in the
file, a shape it never reads). 2 and 4.5 minutes left refresh, 5.5 do not: a margin of 4 or of 6
minutes on either path fails one of them.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from reliability.lab import Lab

from zconnect_tui.model import now_utc


@pytest.mark.parametrize("path", ["fast", "full"])
@pytest.mark.parametrize(("minutes_left", "refreshes"), [(2, True), (4.5, True), (5.5, False)])
def test_zconnect_token_refreshes_inside_the_5_minute_margin(tmp_path: Path, path: str, minutes_left: float,
                                                             refreshes: bool) -> None:
    with Lab(tmp_path) as lab:
        stored = lab.add("desk")
        expires = now_utc() + timedelta(minutes=minutes_left)
        lab.store.update("desk", lambda c: setattr(c.token, "expires_at", expires))
        if path == "full":  # a shape the fast path never slices (fastpath.connection_table): the full CLI answers
            lab.config.write_text('note = """kept"""\n' + lab.config.read_text())
        run = lab.cli("token", "desk")
        assert run.code == 0 and run.err == "", run.err
        printed = run.out.strip()
        assert lab.emu.refresh_count(stored.token.refresh_token) == (1 if refreshes else 0)
        if refreshes:
            after = lab.store.load().get("desk").token
            assert printed != stored.token.access_token and printed == after.access_token
            assert printed in lab.emu.live_access_tokens and after.expires_at > expires
        else:
            assert printed == stored.token.access_token
