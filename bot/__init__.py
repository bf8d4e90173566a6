"""Slack chat-ops bot for Stellantis vehicle remote actions.

At the top only the composition root (`app.py`), the settings (`config.py`) and the service bundle
(`services.py`); every concern is a sub-package whose `__init__` says what it owns and may import.
"""
