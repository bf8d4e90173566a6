"""The notification side, as a use case: the inbox consumers, applying a batch of vendor events, deadlines.

Works on `NotificationContext` (the use cases' context plus the inbox, metrics and operator alerts) and
reaches Slack only through the ports in `bot.usecases.ports`; imports the use cases, the store, the
catalogue and the vehicle models, never Slack output or the wiring.
"""
