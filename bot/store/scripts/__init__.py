"""The store's Lua scripts: one `.lua` file each beside this module, read, assembled and registered here.

A script file may hold directives, each on a line of its own near its top:

- `--@include NAME` puts the library `lib/NAME.lua` in its place (once per script: a library included
  again, directly or through another library, is left out);
- `--@constants NAME ...` names the constants its caller must give. They are written in front of the
  text as Lua locals (`lua_constants`): per-instance values such as key names and durations, and tables
  the Python side owns (the request state machine, field layouts), so that each call sends only what
  is its own and no table is restated in Lua.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

SUFFIX = ".lua"
LIBRARY = "lib"
_INCLUDE = re.compile(r"^--@include (\S+)[ \t]*$", re.MULTILINE)
_CONSTANTS = re.compile(r"^--@constants((?: +\S+)+)[ \t]*$", re.MULTILINE)


def script_names() -> list[str]:
    """Every script of the store (a `.lua` file beside this module), by name without its suffix."""
    return _names(files(__name__))


def library_names() -> list[str]:
    """Every library the scripts may include (a `.lua` file under `lib/`), by name without its suffix."""
    return _names(files(__name__).joinpath(LIBRARY))


def _names(folder: Traversable) -> list[str]:
    return sorted(
        entry.name.removesuffix(SUFFIX) for entry in folder.iterdir() if entry.name.endswith(SUFFIX)
    )


@cache
def _text(path: str) -> str:
    return files(__name__).joinpath(path).read_text(encoding="utf-8")


def library_source(name: str) -> str:
    """A library's Lua text as stored, its own includes left as they are."""
    return _text(f"{LIBRARY}/{name}{SUFFIX}")


def constants_of(name: str) -> tuple[str, ...]:
    """The constants a script must be given, in the order its directives name them."""
    text = _text(name + SUFFIX)
    return tuple(constant for line in _CONSTANTS.finditer(text) for constant in line.group(1).split())


@cache
def _assembled(name: str) -> str:
    """The script's text with its libraries in place."""
    seen: set[str] = set()

    def expand(text: str) -> str:
        def include(directive: re.Match[str]) -> str:
            library = directive.group(1)
            if library in seen:
                return f"-- {library} is in already"
            seen.add(library)
            return expand(library_source(library)).rstrip("\n")

        return _INCLUDE.sub(include, text)

    return expand(_text(name + SUFFIX))


def source(name: str, constants: Mapping[str, object] | None = None) -> str:
    """The script's Lua text: its constants declared first, then its own text with its libraries in place.

    `constants` must name exactly what the script's `--@constants` directives name (ValueError otherwise).
    """
    given = dict(constants or {})
    wanted = constants_of(name)
    if set(given) != set(wanted):
        raise ValueError(f"{name}{SUFFIX} declares constants {sorted(wanted)}, was given {sorted(given)}")
    return lua_constants({constant: given[constant] for constant in wanted}) + _assembled(name)


def register(redis: Redis, name: str, constants: Mapping[str, object] | None = None) -> AsyncScript:
    """The script registered with a client (redis-py loads it on its first call, again when Redis lost it)."""
    return redis.register_script(source(name, constants))


def _lua_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):  # every byte outside a safe set as a decimal escape: no quoting pitfalls
        safe = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-:./"
        return '"' + "".join(chr(b) if b in safe else f"\\{b}" for b in value.encode()) + '"'
    if isinstance(value, dict):  # sorted: the same text (and SHA) in every process, whatever the set order
        return (
            "{"
            + ", ".join(sorted(f"[{_lua_literal(k)}] = {_lua_literal(v)}" for k, v in value.items()))
            + "}"
        )
    if isinstance(value, tuple | list):
        return "{" + ", ".join(_lua_literal(item) for item in value) + "}"
    raise TypeError(f"no Lua literal for {type(value).__name__}")


def lua_constants(values: Mapping[str, object]) -> str:
    """Lua source declaring each name as a local holding its value (ints, strings, flat dicts, sequences)."""
    return "".join(f"local {name} = {_lua_literal(value)}\n" for name, value in values.items())
