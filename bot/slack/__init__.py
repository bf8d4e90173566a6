"""Slack output: Block Kit built from stored state, message updates, thread replies, alerts, the budget.

Imports the catalogue, the store and the use cases' types; never the notification pipeline.
"""
