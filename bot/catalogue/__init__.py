"""The action catalogue: one row per action, owning its words, parsing, vendor feature and rules.

Imports only `bot.vehicle` (the vendor models a row builds).
"""
