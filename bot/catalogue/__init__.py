"""The action catalogue: one row per action, owning its words, option parsing, vendor feature and rules.

Imports only `bot.vehicle` (the vendor models a row builds). Adding an action is one row here plus its
vendor model in `bot.vehicle`.
"""
