"""Saved APIs (the guide's "add the APIs that you require") and the fields of an API call.

A saved API lives in `[connections.NAME.apis.KEY]` with `method`, `path`, `fields` and
`headers`; `{placeholder}`s in the path, in string field values and in header values are
filled at run time (`zconnect api NAME @KEY -p id=42`). Everything here is pure: no httpx,
no file access, so the CLI, the TUI and the model can all import it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from zconnect_tui.errors import ConfigError, UsageError
from zconnect_tui.text import clean

# Patterns are strings, compiled by `re` on first use and cached there: compiling every pattern at
# import cost the TUI's first frame about 1 M instructions each (#10).
KEY_RE = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
PLACEHOLDER_RE = r"\{([A-Za-z_][A-Za-z0-9_]*)\}"
HEADER_NAME_RE = r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
FORBIDDEN_HEADERS = frozenset({"authorization", "host", "content-length", "transfer-encoding", "connection"})
"""Headers zconnect sets itself: a user-given Authorization would also put a token in argv."""
_NUMBER_RE = r"^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$"
_SEGMENT_RE = r"\[([^\[\]]*)\]"

FieldValue = str | int | float | bool | None
Field = tuple[str, FieldValue]


@dataclass
class SavedApi:
    """One saved call of a connection."""

    method: str = "GET"
    path: str = "/"
    fields: dict[str, FieldValue] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    description: str = ""

    def placeholders(self) -> list[str]:
        """The `{names}` this API needs, in order of first use."""
        texts = [self.path, *(v for v in self.fields.values() if isinstance(v, str)), *self.headers.values()]
        seen: dict[str, None] = {}
        for text in texts:
            for name in re.findall(PLACEHOLDER_RE, text):
                seen.setdefault(name, None)
        return list(seen)


# ----- validation -------------------------------------------------------------------------------
def validate_key(key: str) -> str:
    """Saved-API keys become TOML keys and `@KEY` arguments: keep them simple."""
    if not re.match(KEY_RE, key):
        raise UsageError(f"{key!r} is not a usable name for a saved API.",
                         "Use letters, digits, '-' and '_' (up to 64), starting with a letter or digit.")
    return key


def validate_method(method: str) -> str:
    upper = method.strip().upper()
    if upper not in METHODS:
        raise UsageError(f"{method!r} is not an HTTP method zconnect sends.", f"Use one of {', '.join(METHODS)}.")
    return upper


def header_problem(name: str, value: str) -> tuple[str, str] | None:
    """What is wrong with a header, as (the problem, its fix), or None: the one rule for `-H`, the API
    screen, `--save` and saved APIs read from the file.

    The name is an RFC 9110 token; not one zconnect sets itself (Authorization: a call carries exactly one,
    the connection's; Host and the framing and hop-by-hop headers belong to the HTTP layer, any case);
    the value is on one line."""
    if not re.match(HEADER_NAME_RE, name):
        return "is not a valid header name", "A name is letters, digits and !#$%&'*+-.^_`|~ (write -H 'Name: value')."
    if name.lower() in FORBIDDEN_HEADERS:
        return "is a header zconnect sets itself", "Leave it out; the connection's access token is added to every call."
    if any(ch in value for ch in "\r\n\0"):
        return "contains a line break", "Put it on one line."
    return None


def validate_header(name: str, value: str) -> tuple[str, str]:
    """A header a user may add (`header_problem`'s rule), stripped."""
    name = name.strip()
    problem = header_problem(name, value)
    if problem is None:
        check_header_value(name, value)
        return name, value.strip()
    what, fix = problem
    if what.startswith("is a header"):
        raise UsageError(f"zconnect sets the {name} header itself.", fix)
    if what.startswith("is not"):
        raise UsageError(f"{name!r} is not a valid header name.", fix)
    raise UsageError(f"The value of the header {name} contains a line break.", fix)


def _shown_key(name: str) -> str:
    """A TOML key as the file spells it: bare, or quoted with its unsafe characters escaped."""
    return name if re.match(r"^[A-Za-z0-9_-]+$", name) else "'" + clean(name, limit=64, escape=True) + "'"


def _control(text: str) -> str | None:
    """What is wrong with `text` if `clean` would change it (`contains control characters (\\u001b)`)."""
    bad = sorted({ch for ch in text if clean(ch) != ch})
    if not bad:
        return None
    return "contains control characters (" + clean("".join(bad[:3]), escape=True) + ")"


def saved_api_problem(api: SavedApi) -> tuple[str, str, str] | None:
    """The first part of `api` that breaks the rules of a saved API, as (its key under the API's table,
    the problem, its fix), or None. The one check for the file (`parse_apis`) and for saving (`--save`,
    the API screen's ctrl+s): a saved API is sent as written and shown as written, so no string in it
    may hold a control character (a line break and a tab included), and its headers obey `-H`'s rule."""
    text_fix = "Put it on one line, without control characters."
    for key, text in (("path", api.path), ("description", api.description)):
        if problem := _control(text):
            return key, problem, text_fix
    for name, value in api.fields.items():
        where = f"fields.{_shown_key(name)}"
        if problem := _control(name) or (_control(value) if isinstance(value, str) else None):
            return where, problem, text_fix + " A value with a line break can be given when the API runs (-f)."
    for name, value in api.headers.items():
        where = f"headers.{_shown_key(name)}"
        if header := header_problem(name, value):
            return where, *header
        if problem := _control(value):
            return where, problem, text_fix
    return None


def check_saving(key: str, api: SavedApi) -> None:
    """Refuse to save what the file's rule (`saved_api_problem`) would refuse to read back: a UsageError."""
    if problem := saved_api_problem(api):
        where, what, fix = problem
        raise UsageError(f"@{key} cannot be saved: its {where} {what}.", fix)


def check_header_value(name: str, value: str) -> None:
    """A value HTTP can carry: one line, ASCII (httpx cannot encode anything else). Checked again on the
    final value a call sends, where a `{placeholder}` is filled and a saved API's headers arrive."""
    if any(ch in value for ch in "\r\n\0"):
        raise UsageError(f"The value of the header {clean(name)} contains a line break.", "Put it on one line.")
    if not value.isascii():
        raise UsageError(f"The value of the header {clean(name)} is not ASCII ({clean(value.strip(), limit=40)!r}).",
                         "HTTP header values are ASCII: send the text as a field (-f) instead, or percent-encode it.")


def parse_header(text: str) -> tuple[str, str]:
    """`Name: value` from -H."""
    name, sep, value = text.partition(":")
    if not sep:
        raise UsageError(f"{text!r} is not a header.", "Write headers as -H 'Name: value'.")
    return validate_header(name, value)


# ----- fields -----------------------------------------------------------------------------------
def split_field(text: str, flag: str = "-f") -> tuple[str, str]:
    """`key=value` from -f/-F/-p."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UsageError(f"{text!r} is not key=value.", f"Write it as {flag} key=value.")
    return key.strip(), value


def typed_value(text: str) -> FieldValue:
    """-F typing (as `gh api -F`): true, false, null and numbers become JSON types; the rest stays text.

    `@file` is read by the caller, which knows about files and stdin.
    """
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    if re.match(_NUMBER_RE, text):
        return float(text) if any(ch in text for ch in ".eE") else int(text)
    return text


def _key_path(key: str) -> list[str]:
    """`a[b][]` → ["a", "b", ""] ("" appends to an array), as `gh api` writes nested fields."""
    head, _, rest = key.partition("[")
    if not rest:
        return [key]
    rest = "[" + rest
    parts = re.findall(_SEGMENT_RE, rest)
    if "".join(f"[{p}]" for p in parts) != rest or not head:
        raise UsageError(f"{key!r} is not a field name zconnect understands.",
                         "Use key, key[sub] or key[] (e.g. -F 'data[][Last_Name]=Smith').")
    return [head, *parts]


def body_from_fields(fields: Iterable[Field]) -> dict[str, Any]:
    """The JSON object for a request body; `key[sub]` nests, `key[]` appends to an array."""
    root: dict[str, Any] = {}
    for key, value in fields:
        _assign(root, _key_path(key), value, key)
    return root


def _assign(node: dict[str, Any], path: list[str], value: FieldValue, key: str) -> None:
    name, rest = path[0], path[1:]
    if not rest:
        node[name] = value
        return
    if rest[0] == "":  # an array
        items = node.setdefault(name, [])
        if not isinstance(items, list):
            raise UsageError(f"The field {key!r} mixes an array with a value.", "Give each field one shape.")
        if len(rest) == 1:
            items.append(value)
            return
        # key[][sub]: fill the last object until it already has `sub`, then start a new one.
        if not items or not isinstance(items[-1], dict) or _has(items[-1], rest[1:]):
            items.append({})
        _assign(items[-1], rest[1:], value, key)
        return
    child = node.setdefault(name, {})
    if not isinstance(child, dict):
        raise UsageError(f"The field {key!r} mixes an object with a value.", "Give each field one shape.")
    _assign(child, rest, value, key)


def _has(node: dict[str, Any], path: list[str]) -> bool:
    head = path[0]
    if head not in node:
        return False
    return len(path) == 1 or path[1] == "" or (isinstance(node[head], dict) and _has(node[head], path[1:]))


def query_value(value: FieldValue) -> str:
    """How a typed field reads in a query string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ----- placeholders -----------------------------------------------------------------------------
def fill(text: str, params: Mapping[str, str], *, in_url: bool = False) -> str:
    """Replace `{name}`s; in a URL each value is percent-encoded so it stays one segment."""

    def one(match: re.Match[str]) -> str:
        value = params[match.group(1)]
        if in_url and _dot_segment(value):
            raise UsageError(f"The value '{clean(value, limit=40, escape=True)}' for {{{match.group(1)}}} would "
                             "move the call to another path ('.' and '..' are not values).",
                             f"Give {{{match.group(1)}}} its real value.")
        return quote(value, safe="") if in_url else value

    return re.sub(PLACEHOLDER_RE, one, text)


def _dot_segment(value: str) -> bool:
    """Does `value` read as `.` or `..` once percent-decoded (however often) and trimmed? Such a value, as a
    path segment, takes the call to another path (`/tickets/{id}/threads` with `..` is `/threads`)."""
    for _ in range(5):  # %252e is %2e is .
        decoded = unquote(value)
        if decoded == value:
            break
        value = decoded
    return value.strip() in (".", "..")


def check_params(needed: list[str], params: Mapping[str, str], what: str) -> None:
    missing = [n for n in needed if n not in params]
    if missing:
        flags = " ".join(f"-p {n}=…" for n in missing)
        raise UsageError(f"{what} needs a value for {', '.join('{' + n + '}' for n in missing)}.", f"Add {flags}.")
    unused = sorted(set(params) - set(needed))
    if unused:
        raise UsageError(f"{what} has no placeholder {', '.join('{' + n + '}' for n in unused)}.",
                         "Check the -p names (`zconnect apis NAME` lists each API's placeholders).")


# ----- TOML mapping -----------------------------------------------------------------------------
def parse_apis(conn_name: str, table: object) -> dict[str, SavedApi]:
    """`[connections.NAME.apis]` as typed SavedApis; anything malformed is a ConfigError naming it."""
    if table is None:
        return {}
    where = f"connections.{conn_name}.apis"
    if not isinstance(table, dict):
        raise ConfigError(f"[{where}] must be a table.", "Fix or remove it.")
    out: dict[str, SavedApi] = {}
    for key, entry in table.items():
        here = f"[{where}.{clean(key, limit=64)}]"
        if not isinstance(entry, dict) or not re.match(KEY_RE, key):
            raise ConfigError(f"{here} must be a table with a simple name.", "Fix or remove it.")
        path, method = entry.get("path"), entry.get("method", "GET")
        fields, headers = entry.get("fields", {}), entry.get("headers", {})
        ok = (isinstance(path, str) and path and isinstance(method, str) and method.upper() in METHODS
              and isinstance(fields, dict) and isinstance(headers, dict)
              and all(isinstance(v, str | int | float | bool) for v in fields.values())
              and all(isinstance(v, str) for v in headers.values()))
        if not ok or not isinstance(path, str):
            raise ConfigError(f"{here} needs path (text), method ({'/'.join(METHODS)}), and fields and headers "
                              "tables of plain values.", "Fix or remove it.")
        description = entry.get("description", "")
        api = SavedApi(method=method.upper(), path=path, fields=dict(fields), headers=dict(headers),
                       description=description if isinstance(description, str) else str(description))
        # What is sent (and shown) must be sent as written, so control characters and headers zconnect
        # owns are refused, not cleaned: the same rule as for --save.
        if problem := saved_api_problem(api):
            part, what, fix = problem
            raise ConfigError(f"{where}.{key}.{part} {what}; the file was left untouched.", fix)
        api.description = clean(api.description, limit=200)
        out[key] = api
    return out


def apis_to_table(apis: Mapping[str, SavedApi]) -> dict[str, dict[str, Any]]:
    """The TOML tables for `apis` (empty parts left out)."""
    out: dict[str, dict[str, Any]] = {}
    for key, api in sorted(apis.items()):
        entry: dict[str, Any] = {"method": api.method, "path": api.path}
        if api.fields:
            entry["fields"] = dict(api.fields)
        if api.headers:
            entry["headers"] = dict(api.headers)
        if api.description:
            entry["description"] = api.description
        out[key] = entry
    return out
