"""`zconnect secret NAME` and `zconnect edit NAME --rotate-secret`: one command under two spellings.

Both read the secret as `add` does, refuse the same bad input with the same line, store it the same way
and say the same thing; each one's help names the other.
"""

from __future__ import annotations

from pathlib import Path

from conftest import Registered, run_cli

from zconnect_tui.model import mask
from zconnect_tui.store import Store


def secret_of(config: Path) -> str:
    return Store(config).load().get("desk").client_secret


def test_secret_and_rotate_secret_are_one_command(desk: Registered, config_path: Path) -> None:
    first, second = "a" * 40, "b" * 40
    by_secret = run_cli("secret", "desk", stdin=f"{first}\n")
    assert by_secret.code == 0, by_secret.err
    assert by_secret.out == f"Replaced desk's Client Secret ({mask(first)}).\n" and secret_of(config_path) == first
    by_edit = run_cli("edit", "desk", "--rotate-secret", stdin=f"{second}\n")
    assert by_edit.code == 0, by_edit.err
    assert by_edit.out == f"Replaced desk's Client Secret ({mask(second)}).\n" and secret_of(config_path) == second
    assert first not in by_secret.out + by_secret.err and second not in by_edit.out + by_edit.err

    # The same refusal, word for word, and nothing stored.
    before = config_path.read_bytes()
    spellings = (("secret", "desk"), ("edit", "desk", "--rotate-secret"))
    refusals = [run_cli(*args, stdin="two words\n") for args in spellings]
    assert refusals[0].code == refusals[1].code == 2 and refusals[0].err == refusals[1].err
    assert refusals[0].err.startswith("zconnect: ") and len(refusals[0].err.splitlines()) == 1
    assert config_path.read_bytes() == before


def test_rotate_secret_along_with_another_change(desk: Registered, config_path: Path) -> None:
    third = "c" * 40
    both = run_cli("edit", "desk", "--port", "9700", "--rotate-secret", "--client-secret-env", "NEW",
                   env={"NEW": third})
    assert both.code == 0, both.err
    assert "Changed desk: port, client secret." in both.out
    assert f"Replaced desk's Client Secret ({mask(third)})." in both.out and third not in both.out
    conn = Store(config_path).load().get("desk")
    assert conn.client_secret == third and conn.port == 9700


def test_each_help_says_which_to_use(config_path: Path) -> None:
    top = run_cli("--help").out
    assert "`edit --rotate-secret` is the same" in " ".join(top.split())
    edit = " ".join(run_cli("edit", "--help").out.split())
    assert "the same as `zconnect secret NAME` (use that;" in edit
    secret = " ".join(run_cli("secret", "--help").out.split())
    assert "`edit --rotate-secret` is the same" in secret
