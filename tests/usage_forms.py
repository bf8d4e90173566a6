"""Every concrete command a usage line allows: one per alternative, optional parts with and without."""

from __future__ import annotations

import itertools
import re

VEHICLE = "van-12"
# A sample for each placeholder a usage line uses; a new placeholder needs one here.
SAMPLES = {
    "<vehicle>": VEHICLE,
    "<request id>": VEHICLE,
    "<batch id>": VEHICLE,
    "<HH:MM>": "07:30",
    "<lat,lon>": "48.8584,2.2945",
    "<N>": "2",
    "N": "2",
    "<temp>C": "21C",
    "mon,tue,...": "mon,fri",
    "filter": "van",
    "...": "",
}
TOKEN = re.compile(r"<[^>]*>\w*|\[[^\]]*\]|\S+")


def split_top(text: str) -> list[str]:
    """Split at `|` outside <...> and [...]."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "<[" else -1 if char in ">]" else 0
        if char == "|" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def _token_forms(token: str) -> list[str]:
    if token in SAMPLES:
        return [SAMPLES[token]]
    if token.startswith("["):
        inner = token[1:-1]
        return ["", *(form for alternative in split_top(inner) for form in _sequence_forms(alternative))]
    if token.startswith("<"):
        choices = token[1:-1].split("|")
        if len(choices) > 1:
            return choices
        raise KeyError(f"no sample for the placeholder {token}: add one to tests/usage_forms.py")
    return [token]


def _sequence_forms(text: str) -> list[str]:
    tokens = TOKEN.findall(text)
    options = [_token_forms(token) for token in tokens]
    return [" ".join(word for word in combination if word) for combination in itertools.product(*options)]


def forms(usage: str, head: str) -> list[str]:
    """The commands a usage line describes; `head` is its fixed start (the word, and `<vehicle>` if any)."""
    assert usage.startswith(head), f"usage {usage!r} does not start with {head!r}"
    rest = usage[len(head) :].strip()
    fixed = _sequence_forms(head)[0]
    if rest.startswith("|"):  # alternatives to the vehicle itself (`status <vehicle>|<request id>`)
        word = head.split(" ")[0]
        return [fixed, *(f"{word} {form}" for alt in split_top(rest)[1:] for form in _sequence_forms(alt))]
    results = [
        f"{fixed} {form}".strip() for alternative in split_top(rest) for form in _sequence_forms(alternative)
    ]
    return list(dict.fromkeys(results))
