"""Slack chat-ops bot for Stellantis vehicle remote actions."""
