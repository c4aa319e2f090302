"""Where connections live: the seam between the Manager and its storage (issue #19 item 4).

`base.py` holds the contracts (`ConnectionStore`, `SecretStore`, `Snapshot`); the TOML file is one
implementation (`zconnect_tui/store.py`), `memory.py` another, `postgres.py` a database many machines
share. `store_choice.open_store` picks the one a command line and its environment ask for.
"""
