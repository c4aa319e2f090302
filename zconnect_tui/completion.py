"""`zconnect completion bash|zsh|fish`: a completion script made from the parser itself.

The script completes command names, each command's flags (and the choices of those that have
them, e.g. `export --format`), and connection names where a command takes NAME. The names come
from `zconnect list --names` when Tab is pressed (no Textual, no httpx: see cli_list.py), with
the `--config FILE` typed on the line, if any. Everything else is written into the script.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zconnect_tui.cli_io import IO
    from zconnect_tui.manager import Manager

NO_NAMES = ("add",)
"""Commands whose NAME is a new one: nothing to complete."""


@dataclass
class Spec:
    """What completion needs to know about one command."""

    name: str
    help: str
    flags: list[tuple[list[str], str, bool, list[str]]] = field(default_factory=list)
    """(option strings, help, takes a value, its choices)."""
    first: str = ""
    """What the first positional is: "names" (a connection), "choices", or "" (nothing to offer)."""
    first_choices: list[str] = field(default_factory=list)


def specs() -> list[Spec]:
    """Every command, from the parser `zconnect` itself uses (cli.build_parser)."""
    from zconnect_tui.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    found = []
    for name, p in sub.choices.items():
        spec = Spec(name, short(helps.get(name, "")))
        for action in p._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            if action.option_strings:
                choices = [str(c) for c in action.choices] if action.choices is not None else []
                spec.flags.append((list(action.option_strings), short(action.help or ""), action.nargs != 0,
                                   choices))
            elif not spec.first and action is next(a for a in p._actions if not a.option_strings):
                if action.dest == "name" and name not in NO_NAMES:
                    spec.first = "names"
                elif action.choices is not None:
                    spec.first, spec.first_choices = "choices", [str(c) for c in action.choices]
        found.append(spec)
    return found


def short(text: str) -> str:
    """A help text cut to its first clause, for a one-line description in a completion menu."""
    text = " ".join(text.split())
    for stop in ("; ", " ("):
        text = text.split(stop, 1)[0]
    return text if len(text) <= 60 else text[:59] + "…"


def value_flags(found: list[Spec]) -> str:
    """`cmd:flag` for every flag that takes a value, space-separated (the shells skip its value)."""
    return " ".join(f"{s.name}:{o}" for s in found for opts, _, takes, _ in s.flags if takes for o in opts)


def sq(text: str) -> str:
    """`text` in single quotes for bash and zsh."""
    return "'" + text.replace("'", "'\\''") + "'"


# ----- bash ------------------------------------------------------------------------------------------
BASH = r"""# bash completion for zconnect. Load it with: eval "$(zconnect completion bash)" (e.g. in ~/.bashrc)
__zconnect_value_flags=' @VALUE_FLAGS@ '
_zconnect() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local cmd= word i=1 positionals=0
    local -a config=()
    while ((i < COMP_CWORD)); do
        word=${COMP_WORDS[i]}
        if [[ -z $cmd ]]; then
            case $word in
                --config) config=(--config "${COMP_WORDS[i+1]}"); ((i++)) ;;
                --config=*) config=("$word") ;;
                -*) ;;
                *) cmd=$word ;;
            esac
        elif [[ $__zconnect_value_flags == *" $cmd:$word "* ]]; then
            ((i++))
        elif [[ $word == -- && $cmd == exec ]]; then
            return 0
        elif [[ $word != -* ]]; then
            ((positionals++))
        fi
        ((i++))
    done
    COMPREPLY=()
    if [[ -z $cmd ]]; then
        case $prev in
            --config) COMPREPLY=($(compgen -f -- "$cur")) ;;
            *) if [[ $cur == -* ]]; then
                   COMPREPLY=($(compgen -W '--config --help --version' -- "$cur"))
               else
                   COMPREPLY=($(compgen -W '@COMMANDS@' -- "$cur"))
               fi ;;
        esac
        return 0
    fi
    if [[ $__zconnect_value_flags == *" $cmd:$prev "* ]]; then
        case "$cmd $prev" in
@CHOICES@
        esac
        return 0
    fi
    if [[ $cur == -* ]]; then
        case $cmd in
@FLAGS@
        esac
        return 0
    fi
    if ((positionals == 0)); then
        case $cmd in
            @NAME_COMMANDS@)
                local names
                names=$(command zconnect ${config[@]+"${config[@]}"} list --names 2>/dev/null)
                COMPREPLY=($(compgen -W "$names" -- "$cur")) ;;
@FIRST_CHOICES@
        esac
    fi
    return 0
}
complete -F _zconnect zconnect
"""


def bash(found: list[Spec]) -> str:
    choices = [f"            {sq(s.name + ' ' + o)}) COMPREPLY=($(compgen -W {sq(' '.join(c))} -- \"$cur\")) ;;"
               for s in found for opts, _, takes, c in s.flags if takes and c for o in opts]
    flags = [f"            {s.name}) COMPREPLY=($(compgen -W {sq(' '.join(o for f in s.flags for o in f[0]))} "
             f"-- \"$cur\")) ;;" for s in found if s.flags]
    first = [f"            {s.name}) COMPREPLY=($(compgen -W {sq(' '.join(s.first_choices))} -- \"$cur\")) ;;"
             for s in found if s.first == "choices"]
    return (BASH.replace("@VALUE_FLAGS@", value_flags(found))
            .replace("@COMMANDS@", " ".join(s.name for s in found))
            .replace("@CHOICES@", "\n".join(choices) or "            *) ;;")
            .replace("@FLAGS@", "\n".join(flags))
            .replace("@NAME_COMMANDS@", "|".join(s.name for s in found if s.first == "names"))
            .replace("@FIRST_CHOICES@", "\n".join(first)))


# ----- zsh -------------------------------------------------------------------------------------------
ZSH = r"""#compdef zconnect
# zsh completion for zconnect. Load it with: eval "$(zconnect completion zsh)" (in ~/.zshrc, after compinit)
__zconnect_value_flags=' @VALUE_FLAGS@ '
_zconnect() {
    local cmd= word i=2 positionals=0
    local -a config commands flags choices
    commands=(
@COMMANDS@
    )
    while (( i < CURRENT )); do
        word=${words[i]}
        if [[ -z $cmd ]]; then
            case $word in
                --config) config=(--config ${words[i+1]}); (( i++ )) ;;
                --config=*) config=($word) ;;
                -*) ;;
                *) cmd=$word ;;
            esac
        elif [[ $__zconnect_value_flags == *" $cmd:$word "* ]]; then
            (( i++ ))
        elif [[ $word == -- && $cmd == exec ]]; then
            _normal; return
        elif [[ $word != -* ]]; then
            (( positionals++ ))
        fi
        (( i++ ))
    done
    local cur=${words[CURRENT]} prev=${words[CURRENT-1]}
    if [[ -z $cmd ]]; then
        if [[ $prev == --config ]]; then _files
        elif [[ $cur == -* ]]; then compadd -- --config --help --version
        else _describe -t commands 'zconnect command' commands
        fi
        return
    fi
    if [[ $__zconnect_value_flags == *" $cmd:$prev "* ]]; then
        case "$cmd $prev" in
@CHOICES@
        esac
        return
    fi
    if [[ $cur == -* ]]; then
        case $cmd in
@FLAGS@
        esac
        return
    fi
    if (( positionals == 0 )); then
        case $cmd in
            @NAME_COMMANDS@)
                compadd -- ${(f)"$(command zconnect $config list --names 2>/dev/null)"} ;;
@FIRST_CHOICES@
        esac
    fi
}
compdef _zconnect zconnect
"""


def zsh(found: list[Spec]) -> str:
    commands = [f"        {sq(s.name + ':' + s.help)}" for s in found]
    choices = [f"            {sq(s.name + ' ' + o)}) compadd -- {' '.join(sq(x) for x in c)} ;;"
               for s in found for opts, _, takes, c in s.flags if takes and c for o in opts]
    flags = [f"            {s.name}) compadd -- {' '.join(o for f in s.flags for o in f[0])} ;;"
             for s in found if s.flags]
    first = [f"            {s.name}) compadd -- {' '.join(sq(x) for x in s.first_choices)} ;;"
             for s in found if s.first == "choices"]
    return (ZSH.replace("@VALUE_FLAGS@", value_flags(found))
            .replace("@COMMANDS@", "\n".join(commands))
            .replace("@CHOICES@", "\n".join(choices) or "            *) ;;")
            .replace("@FLAGS@", "\n".join(flags))
            .replace("@NAME_COMMANDS@", "|".join(s.name for s in found if s.first == "names"))
            .replace("@FIRST_CHOICES@", "\n".join(first)))


# ----- fish ------------------------------------------------------------------------------------------
FISH = r"""# fish completion for zconnect. Load it with: zconnect completion fish | source
# (e.g. in ~/.config/fish/config.fish), or save it as ~/.config/fish/completions/zconnect.fish
set -g __zconnect_value_flags @VALUE_FLAGS@
function __zconnect_state --description 'the command, then how many positionals follow it'
    set -l cmd ''
    set -l n 0
    set -l skip 0
    for word in (commandline -opc)[2..-1]
        if test $skip = 1
            set skip 0
        else if test -z "$cmd"
            switch $word
                case --config
                    set skip 1
                case '-*'
                case '*'
                    set cmd $word
            end
        else if contains -- "$cmd:$word" $__zconnect_value_flags
            set skip 1
        else if not string match -q -- '-*' $word
            set n (math $n + 1)
        end
    end
    printf '%s\n' "$cmd" $n
end
function __zconnect_no_cmd
    set -l state (__zconnect_state)
    test -z "$state[1]"
end
function __zconnect_cmd --description 'the command is one of the arguments'
    set -l state (__zconnect_state)
    contains -- "$state[1]" $argv
end
function __zconnect_first --description 'at the first positional of one of the commands'
    set -l state (__zconnect_state)
    contains -- "$state[1]" $argv; and test "$state[2]" = 0
end
function __zconnect_names
    set -l tokens (commandline -opc)
    set -l config
    if set -l at (contains -i -- --config $tokens)
        set config --config $tokens[(math $at + 1)]
    end
    command zconnect $config list --names 2>/dev/null
end
complete -c zconnect -f
complete -c zconnect -n __zconnect_no_cmd -l config -r -F -d 'connections file'
complete -c zconnect -n __zconnect_no_cmd -s V -l version -d 'print the version'
@LINES@
"""


def fq(text: str) -> str:
    """`text` in single quotes for fish."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(found: list[Spec]) -> str:
    lines = []
    for s in found:
        lines.append(f"complete -c zconnect -n __zconnect_no_cmd -a {s.name} -d {fq(s.help)}")
        for opts, text, takes, choices in s.flags:
            parts = [f"-s {o[1:]}" if len(o) == 2 else f"-l {o[2:]}" for o in opts]
            value = (f" -x -a {fq(' '.join(choices))}" if choices else " -r") if takes else ""
            lines.append(f"complete -c zconnect -n '__zconnect_cmd {s.name}' {' '.join(parts)}{value} -d {fq(text)}")
        if s.first == "names":
            lines.append(f"complete -c zconnect -n '__zconnect_first {s.name}' -a '(__zconnect_names)'")
        elif s.first == "choices":
            lines.append(f"complete -c zconnect -n '__zconnect_first {s.name}' -a {fq(' '.join(s.first_choices))}")
    return FISH.replace("@VALUE_FLAGS@", value_flags(found)).replace("@LINES@", "\n".join(lines))


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}


def script(shell: str) -> str:
    """The completion script for `shell`."""
    return SHELLS[shell](specs())


def cmd_completion(manager: Manager, args: argparse.Namespace, io: IO) -> int:
    io.stdout.write(script(args.shell))
    return 0
