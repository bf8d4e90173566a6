"""Vendor notifications: the callback endpoint, the inbox consumers, applying events, deadlines.

Imports the use cases, the store, Slack output and the vehicle models.
"""
