"""The bot's HTTP shell: the names the web app and its routes share (`names.py`), serving on one socket
with a stand-in until the start is done (`serving.py`), and /metrics with the inbox gauges it samples
(`observability.py`).

Imports the service bundle, the runtime and the store's inbox depth. Only the composition root, the CLI
and the demo import it, and the callback route for the route names.
"""
