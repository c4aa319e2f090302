"""Network faults: each a one-line message and exit 4 with the file untouched; retries only where safe."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability.faults import FAULT_KINDS, run_fault_case, run_fault_matrix
from reliability.lab import Lab, one_line_error

from zconnect_tui.errors import EXIT_UNREACHABLE

# One pytest-xdist worker runs this file, so the module's fault matrix (14 CLI runs) is made once.
pytestmark = pytest.mark.xdist_group("network-faults")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], object]:
    cases = run_fault_matrix(tmp_path_factory.mktemp("faults"))
    return {(c.command, c.fault): c for c in cases}


@pytest.mark.parametrize("fault", FAULT_KINDS)
@pytest.mark.parametrize("command", ["refresh", "test"])
def test_fault_is_exit_4_one_line_and_the_file_untouched(matrix, command: str, fault: str) -> None:
    case = matrix[(command, fault)]
    assert case.code == EXIT_UNREACHABLE, case.err
    assert case.one_line, case.err
    assert case.untouched


def test_retries_are_bounded_and_only_where_safe(matrix) -> None:
    # Refresh and GET are safe to repeat: a refused connection or a 503 is retried (3 attempts in all).
    assert matrix[("refresh", "503")].attempts == 3
    assert matrix[("test", "503")].attempts == 3
    # Answers that are not "try again" are not retried; neither is a broken or hung answer.
    for command in ("refresh", "test"):
        for fault in ("500", "html200", "badjson", "reset", "hang"):
            assert matrix[(command, fault)].attempts == 1, (command, fault)


def test_one_503_on_refresh_is_retried_with_success(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        lab.emu.queue_fault("503")
        result = lab.cli("refresh", "desk")
        assert result.code == 0, result.err
        assert len(lab.emu.token_requests("refresh_token")) == 2


def test_one_503_on_revoke_is_retried_with_success(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        lab.add("desk")
        lab.emu.queue_fault("503", path_prefix="/oauth/v2/token/revoke")
        result = lab.cli("revoke", "desk")
        assert result.code == 0, result.err
        assert len(lab.emu.requests_to("/oauth/v2/token/revoke")) == 2


@pytest.mark.parametrize("fault", ["503", "reset", "hang"])
def test_code_exchange_is_never_repeated(tmp_path: Path, fault: str) -> None:
    """A grant code works once: an exchange that may have reached Zoho is not sent again."""
    with Lab(tmp_path) as lab:
        lab.add("desk", authorized=False)
        before = lab.config.read_bytes()
        lab.emu.queue_fault(fault, path_prefix="/oauth/v2/token")
        env = {**lab.browser_env(), **({"ZCONNECT_HTTP_TIMEOUT": "2"} if fault == "hang" else {})}
        result = lab.cli("authorize", "desk", "--timeout", "30", env=env)
        assert result.code == EXIT_UNREACHABLE, result.err
        assert one_line_error(result.err)
        assert len(lab.emu.token_requests("authorization_code")) == 1  # the connection is new: no earlier exchange
        assert lab.config.read_bytes() == before


def test_refused_refresh_says_cannot_connect(tmp_path: Path) -> None:
    case = run_fault_case(tmp_path, "refresh", "refused")
    assert case.code == EXIT_UNREACHABLE and "Cannot connect" in case.err and case.untouched
