"""Slack output: Block Kit built from stored state, message updates in place, thread replies, alerts.

Imports the catalogue, the store and the use cases' result types; never the notification side.
"""
