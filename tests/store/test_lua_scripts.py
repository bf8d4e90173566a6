"""Every Lua script of the store compiles in a real Redis, and the loader assembles scripts as they say."""

from __future__ import annotations

import fnmatch
import hashlib
import tomllib
from pathlib import Path

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from bot.store import scripts
from bot.store.scripts import constants_of, library_names, library_source, lua_constants, script_names, source
from tests.paths import ROOT

FOLDER = Path(scripts.__file__).parent


def placeholders(name: str) -> dict[str, object]:
    """A value for every constant the script declares: compiling does not look at values."""
    return dict.fromkeys(constants_of(name), 0)


@pytest.mark.parametrize("name", script_names())
async def test_every_script_compiles_in_redis(redis_client: Redis, name: str) -> None:
    """SCRIPT LOAD compiles the assembled script: a syntax error fails here, not at its first call."""
    text = source(name, placeholders(name))
    assert "--@include" not in text
    assert await redis_client.script_load(text) == hashlib.sha1(text.encode()).hexdigest()


@pytest.mark.parametrize("name", library_names())
async def test_every_library_compiles_in_redis(redis_client: Redis, name: str) -> None:
    """A library compiles on its own too, so its error is reported against its own file."""
    await redis_client.script_load(library_source(name))


async def test_a_syntax_error_fails_the_load(redis_client: Redis) -> None:
    """The load above is a real check: Redis refuses a script that does not compile."""
    name = script_names()[0]
    with pytest.raises(ResponseError, match="Error compiling script"):
        await redis_client.script_load(source(name, placeholders(name)) + "\nend end\n")


def test_the_loader_lists_every_lua_file_of_the_package() -> None:
    """A new `.lua` file is found without editing anything: scripts beside the loader, libraries in lib/."""
    on_disk = sorted(str(path.relative_to(FOLDER)) for path in FOLDER.rglob("*.lua"))
    listed = sorted(
        [f"{name}.lua" for name in script_names()] + [f"lib/{name}.lua" for name in library_names()]
    )
    assert on_disk == listed and len(script_names()) >= 15


def test_every_lua_file_ships_in_the_package() -> None:
    """pyproject's package data names every `.lua` file, so a wheel (and `pip install -e .`) holds them."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    shipped = patterns.get("bot.store.scripts", [])
    unshipped = [
        str(path.relative_to(FOLDER))
        for path in FOLDER.rglob("*.lua")
        if not any(fnmatch.fnmatch(str(path.relative_to(FOLDER)), pattern) for pattern in shipped)
    ]
    assert not unshipped


def test_a_script_takes_exactly_the_constants_it_declares() -> None:
    """A constant missing or left over is an error when the script is assembled, not a nil in Lua."""
    name = "transition"
    wanted = placeholders(name)
    assert "REQUEST_PREFIX" in wanted
    with pytest.raises(ValueError, match="REQUEST_PREFIX"):
        source(name, {key: value for key, value in wanted.items() if key != "REQUEST_PREFIX"})
    with pytest.raises(ValueError, match="EXTRA"):
        source(name, {**wanted, "EXTRA": 1})


def test_a_library_is_included_once() -> None:
    """A library reached twice (directly and through another library) is put in once."""
    text = source("audit_record")
    assert text.count("local function newer(") == 1 and text.count("local function trim(") == 1


async def test_constants_written_into_a_script_read_back_exactly(redis_client: Redis) -> None:
    """Quotes, backslashes, newlines, brackets and non-ASCII text in a value survive the Lua source."""
    prefix = 'fleet "north"\\ ]]\n véhicules:'
    text = lua_constants({"PREFIX": prefix, "RANKS": {"pending": 3, "done": 5}, "TTL": 604800000})
    text += lua_constants({"FIELDS": ("at", "event"), "ON": True})
    script = text + "return {PREFIX, RANKS['pending'], RANKS['done'], TTL, FIELDS[1], FIELDS[2], #FIELDS, ON}"
    answer = await redis_client.eval(script, 0)
    assert answer == [prefix, 3, 5, 604800000, "at", "event", 2, 1]
