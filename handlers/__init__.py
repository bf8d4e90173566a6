"""Slack listeners: slash commands, buttons and errors."""
