"""The TUI's screens, one per file: wizard, dashboard, help, edit, export, and the dialogs."""
