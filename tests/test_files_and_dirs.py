"""Issue #8 item 6: directories, links, lock files, data centre names and URLs, and API domains."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from inprocess import Run, zconnect
from reliability.lab import PYTHON, Lab, one_line_error

from zconnect_tui import cli
from zconnect_tui.store import Store

ADD = ("add", "x", "--service", "crm", "--dc", "us", "--client-id", "1000.X", "--client-secret-env", "S")


def run(config: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ZCONNECT_CONFIG": str(config), "S": "secret"}
    return subprocess.run([PYTHON, "-m", "zconnect_tui", *args], env=env, capture_output=True, text=True, timeout=60,
                          preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def added(config: Path) -> Run:
    """`zconnect add x …` in this process (the umask test needs its own process; these do not)."""
    return zconnect(*ADD, env={"ZCONNECT_CONFIG": str(config), "S": "secret"})


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_directory_zconnect_creates_is_0700_even_under_umask_000(tmp_path: Path) -> None:
    config = tmp_path / "a" / "b" / "c" / "connections.toml"
    result = run(config, *ADD, umask=0)
    assert result.returncode == 0, result.stderr
    assert [oct(mode(d)) for d in (tmp_path / "a", tmp_path / "a" / "b", config.parent)] == ["0o700"] * 3
    assert mode(config) == 0o600


def test_a_symlinked_connections_file_is_written_through_and_stays_a_link(tmp_path: Path) -> None:
    """Dotfiles: connections.toml links into a repository; saves replace the target atomically."""
    with Lab(tmp_path) as lab:
        lab.add("desk", expired=True)
        dotfiles = tmp_path / "dotfiles"
        dotfiles.mkdir()
        target = dotfiles / "zconnect.toml"
        lab.config.rename(target)
        lab.config.symlink_to(target)
        for args in (("refresh", "desk"), ADD):
            result = zconnect(*args, env=lab.env(S="secret"))
            assert result.code == 0, result.err
            assert lab.config.is_symlink() and os.readlink(lab.config) == str(target)
        assert mode(target) == 0o600 and set(Store(target).load().connections) == {"desk", "x"}
        assert list(dotfiles.glob("*.tmp")) == [] and list(lab.config.parent.glob("*.tmp")) == []


def test_a_lock_file_planted_as_a_symlink_is_refused_not_followed(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "connections.toml"
    config.parent.mkdir(mode=0o700)
    victim = tmp_path / "elsewhere" / "victim"
    victim.parent.mkdir()
    config.with_name("connections.toml.lock").symlink_to(victim)
    result = added(config)
    assert result.code == 1 and one_line_error(result.err)
    assert "lock file" in result.err and "symbolic link" in result.err
    assert not victim.exists() and not config.exists()


def test_a_lock_file_that_is_a_directory_is_one_line(tmp_path: Path) -> None:
    config = tmp_path / "cfg" / "connections.toml"
    assert added(config).code == 0
    lock = config.with_name("connections.toml.lock")
    lock.unlink()
    lock.mkdir()
    before = config.read_bytes()
    result = zconnect("add", "y", *ADD[2:], env={"ZCONNECT_CONFIG": str(config), "S": "secret"})
    assert result.code == 1 and one_line_error(result.err)
    assert "lock file" in result.err and "is a directory" in result.err
    assert config.read_bytes() == before


def test_an_unwritable_lock_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """As a non-root user would meet it (the suite may run as root, whom modes do not stop)."""
    config = tmp_path / "cfg" / "connections.toml"
    monkeypatch.setenv("ZCONNECT_CONFIG", str(config))
    monkeypatch.setenv("S", "secret")
    real_open = os.open

    def refuse_locks(path: object, flags: int, *args: object) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refuse_locks)
    assert cli.main(list(ADD)) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lock file" in err and "Permission denied" in err
    assert not config.exists()


def test_a_configured_data_centre_named_like_a_builtin_one_is_refused(tmp_path: Path) -> None:
    """Every built-in name is refused (tests/test_core_units.py); here through the commands."""
    name = "us"
    with Lab(tmp_path) as lab:
        lab.add("desk")
        lab.config.write_text(lab.config.read_text() + f'\n[data_centers.{name}]\naccounts = "http://127.0.0.1:1"\n'
                                                       'api = "http://127.0.0.1:1"\n')
        before = lab.config.read_bytes()
        for args in (("list",), ("refresh", "desk"), ADD):
            result = zconnect(*args, env=lab.env(S="secret"))
            assert result.code == 1 and one_line_error(result.err), (args, result.err)
            assert f"[data_centers.{name}] would replace Zoho's built-in data centre" in result.err
        assert lab.config.read_bytes() == before


def test_data_centre_urls_with_userinfo_or_that_do_not_parse_are_one_line(tmp_path: Path) -> None:
    """More shapes in tests/test_core_units.py; here through the commands."""
    with Lab(tmp_path) as lab:
        lab.add("desk")
        text = lab.config.read_text()
        for url in ("http://evil.com\\\\@127.0.0.1", "http://evil.com@127.0.0.1:9", "https://[evil", "http://127.0.0.1:99999"):
            lab.config.write_text(text + f'\n[data_centers.evil]\naccounts = "{url}"\napi = "{url}"\n')
            for args in (("list",), ("refresh", "desk")):
                result = zconnect(*args, env=lab.env())
                assert result.code == 1 and one_line_error(result.err) and "data_centers.evil.accounts" in result.err


def test_an_api_domain_that_is_not_the_data_centres_is_not_stored_and_the_tokens_are_kept(tmp_path: Path) -> None:
    with Lab(tmp_path) as lab:
        before = lab.add("crm", service="crm", expired=True)
        lab.emu.queue_response("/oauth/v2/token", {"access_token": "1000.fresh.token", "expires_in": 3600,
                                                   "api_domain": "https://www.zohoapis.com.evil.example"})
        result = zconnect("refresh", "crm", env=lab.env())
        assert result.code == 0, result.err
        after = lab.store.load().get("crm")
        assert after.token.access_token == "1000.fresh.token"  # kept: Zoho issued it
        assert after.token.refresh_token == before.token.refresh_token
        assert after.api_domain == before.api_domain and "Ignored the API domain" in after.last_error
        assert "evil" not in zconnect("export", "crm", "--format", "env", env=lab.env()).out


def test_a_connection_name_is_never_a_path(tmp_path: Path) -> None:
    """Refresh and revoke take a lock file named after the connection: only once the name is a stored one."""
    config = tmp_path / "cfg" / "connections.toml"
    assert added(config).code == 0
    before = sorted(p.name for p in tmp_path.rglob("*"))
    for command in ("refresh", "revoke", "token", "test"):
        for name in ("../x", "x/../../y", "nope"):
            result = zconnect(command, name, env={"ZCONNECT_CONFIG": str(config)})
            assert result.code == 5 and one_line_error(result.err), (command, name, result.err)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
