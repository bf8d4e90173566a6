"""The `remote-bot` command (`main.py`, also `python -m bot.cli`): serve, demo, simulator, check-config,
dlq, parked and audit; the operator tools behind dlq, parked and audit (`ops.py`, `audit_export.py`);
the settings reference generated from the settings class (`settings_doc.py`, `make docs`).

`main` imports the settings, the runtime (event loop, logs), the use cases' policy and fleet readers and
the error types a failed start raises (vendor, Slack, Redis, aiohttp), and, when its subcommand runs, the
composition root and the web shell (serve), the demo or the simulator. The tools import the settings,
the store and the vendor notification reader. Nothing in the bot imports this package.
"""
