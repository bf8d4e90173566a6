"""Slack output: Block Kit built from stored state, message updates in place, thread replies, alerts.

Imports the catalogue, the store, the use cases (results, ports, queries, authorization, fleet), the
settings and the runtime; never the notification side.
"""
