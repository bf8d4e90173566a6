"""The settings: every one the product reads, validated once at start (`settings.py`), the Fleet Owner v3
ones beside them (`fleet_owner.py`).

Imports the catalogue (timeouts are keyed by its actions) and the store's reading of REDIS_URL.
"""

from bot.config.settings import (
    SERVE_REQUIRED,
    SLACK_RESPONSE_ORIGIN,
    ConfigError,
    Settings,
    load_settings,
)

__all__ = ["SERVE_REQUIRED", "SLACK_RESPONSE_ORIGIN", "ConfigError", "Settings", "load_settings"]
