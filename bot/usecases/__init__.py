"""Slack-agnostic use cases: request, confirm, approve, reject, status, history, list, card data.

Imports the catalogue, the store, the vehicle client, the settings and the runtime; never Slack output or
notifications.
"""
