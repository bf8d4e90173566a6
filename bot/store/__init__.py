"""Everything the bot keeps in Redis: the only package that knows Redis keys and Lua scripts; also
REDIS_URL's Sentinel form (`redis_url.py`, read by the settings) and what a failed store call raises
(`errors.py`, for the layers that do not import Redis).

Imports the catalogue (a request record holds its parsed command), the runtime (clock, JSON, metrics),
the settings (connecting) and the vendor event model; never Slack, the use cases or the notification side.
"""
