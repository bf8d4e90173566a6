"""Slack output: Block Kit built from stored state, message updates in place, thread replies, alerts,
and the implementations of the use cases' ports (`request_messages.py`, `alerts.py`) and their jobs.

Imports the catalogue, the store and the use cases' results and ports; never the notification side.
"""
