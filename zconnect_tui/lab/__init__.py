"""`zconnect lab`: the in-repo Zoho emulator (Accounts, Desk, CRM, Books, Projects, Inventory) on 127.0.0.1.

Stdlib only. Imported by `zconnect lab` and by the tests, never by the rest of zconnect: a real user's
`zconnect list`, `token` or the TUI never loads it (tests/test_lab.py checks).
"""
