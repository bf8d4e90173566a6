"""Vendor notifications: the callback endpoint, the ingest gate, the inbox consumers, applying events,
deadlines, and the watch that starts a sent request's deadline.

Imports the service bundle, the use cases (dispatch), the store, Slack output, the catalogue, the vehicle
models, the settings, the runtime and the web shell's route names (the callback route).
"""
