"""`zconnect export`: one format on stdout, or a format's folder of files written into --output DIR."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

from zconnect_tui.errors import UsageError, ZconnectError
from zconnect_tui.manager import Manager
from zconnect_tui.text import clean

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO


def cmd_export(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    from zconnect_tui.exports import ExportOptions, get

    options = ExportOptions(namespace=args.namespace or "", connector=args.connector or "")
    fmt = get(args.format)
    if args.output is None:
        if fmt.files is not None:
            raise UsageError(f"The {fmt.key} format is a folder of files.", "Add --output DIR to write them there.")
        io.out(clean(manager.export(args.name, fmt.key, options), keep="\n\t"))
        return 0
    files = manager.export_files(args.name, fmt.key, options)
    folder = Path(args.output)
    write(folder, files)
    width = max(len(name) for name in files)
    io.out(clean(f"Wrote {fmt.title} of {args.name} to {folder} ({len(files)} files):"))
    for name, text in files.items():
        io.out(clean(f"  {name.ljust(width)}  {summary(name, text)}"))
    if fmt.key == "posting":
        io.out(clean(f"Open it with: posting --collection {folder}"))
    return 0


def write(folder: Path, files: dict[str, str]) -> None:
    """`files` into `folder` (made if missing): each replaced whole (written aside, then renamed); other files
    in it are left alone."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            target = folder / name
            partial = folder / f".{name}.zconnect-partial"
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
    except OSError as exc:
        raise ZconnectError(f"Could not write into {folder}: {exc.strerror or exc}.",
                            "Choose a folder you can write to (--output DIR).") from None


def summary(name: str, text: str) -> str:
    """What a written file is, in a few words."""
    if name.endswith(".posting.yaml"):
        method = next((line.split(":", 1)[1].strip().strip('"') for line in text.splitlines()
                       if line.startswith("method:")), "")
        url = next((line.split(":", 1)[1].strip().strip('"') for line in text.splitlines()
                    if line.startswith("url:")), "")
        return f"{method} {url}"
    if name.endswith(".py"):
        return "sets ZOHO_API_BASE, ZOHO_ORG_ID and the token from zconnect before each request"
    return "the {placeholders} to fill in"
