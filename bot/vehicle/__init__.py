"""The Stellantis vendor side: every remote feature declared once (`features/`), the Connected Car v1
client, its `Remote` body, channel and wire models (`client.py`, `remotes.py`, `channels.py`, `wire.py`),
the v1 implementation of the use cases' vehicle-cloud port (`connected_car.py`), notification parsing
and the error tree.

Imports nothing else of the bot, nor Slack or Redis: it could become a library.
"""
