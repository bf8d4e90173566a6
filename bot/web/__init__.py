"""The bot's HTTP shell: the names the web app and its routes share (`names.py`), serving on one socket
with a stand-in until the start is done (`serving.py`), the vendor callback route (`callback.py`), and
/metrics with the inbox gauges it samples (`observability.py`).

Imports the service bundle, the runtime, the store's inbox and the notification side's context. Only the
composition root, the CLI and the demo import it.
"""
