"""Everything the bot keeps in Redis: the only package that knows Redis keys and Lua scripts.

Imports the catalogue (a request record holds its parsed command), the runtime clock and the vendor
event model; never Slack, the use cases or the notification side.
"""
