"""The settings that choose the vendor API and configure the Fleet Owner B2B v3 one and its callback."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from bot.vehicle.fleet_wire import BATCH_WINDOW_MIN_SECONDS, RETRY_DELAY_MIN_SECONDS, RETRY_NUMBER_MIN

VendorApi = Literal["connected-car-v1", "fleet-v3"]
RETRY_CEILING_SECONDS = 3 * 24 * 3600  # the vendor deletes a notification 3 days after it was triggered


class VendorApiSettings(BaseSettings):
    """Which vendor API the bot speaks, and the Fleet Owner v3 settings (read only under fleet-v3)."""

    stellantis_api: VendorApi = Field(
        "connected-car-v1",
        description=(
            "The vendor API: connected-car-v1 (data-treatment, OAuth2) or fleet-v3 (Fleet Owner B2B v3, "
            "Basic login); STELLANTIS_API_URL is that API's base URL"
        ),
    )
    stellantis_login: str | None = Field(None, description="fleet-v3: the partner (MZP) login of HTTP Basic")
    stellantis_password: SecretStr | None = Field(None, description="fleet-v3: the partner login's password")
    stellantis_fleet_id: str | None = Field(
        None, description="fleet-v3: the fleet the bot serves (default: the only fleet the account sees)"
    )
    stellantis_fleet_timezone: str = Field(
        "UTC",
        description="fleet-v3: the fleet's time zone (IANA name), in which a charge start time is meant",
    )
    callback_retry_policy: Literal["None", "Bounded"] = Field(
        "Bounded",
        description=(
            "fleet-v3: what the vendor does when the bot does not answer 2xx: None (one retry) or Bounded "
            "(CALLBACK_RETRY_NUMBER retries, CALLBACK_RETRY_DELAY_SECONDS apart)"
        ),
    )
    callback_retry_number: int = Field(
        20, ge=RETRY_NUMBER_MIN, description="fleet-v3: retries of a notification under the Bounded policy"
    )
    callback_retry_delay_seconds: int = Field(
        30, ge=RETRY_DELAY_MIN_SECONDS, description="fleet-v3: seconds between two retries (Bounded)"
    )
    callback_batch_size: int = Field(
        0,
        ge=0,
        description=(
            "fleet-v3: up to this many events in one notification POST (0: one event per POST); "
            "fewer POSTs, at the cost of up to CALLBACK_BATCH_WINDOW_SECONDS of delay"
        ),
    )
    callback_batch_window_seconds: int = Field(
        60,
        ge=BATCH_WINDOW_MIN_SECONDS,
        description="fleet-v3: a batch is sent at the latest this long after its first event",
    )

    @field_validator("stellantis_fleet_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a time zone name such as Europe/Paris or UTC") from None
        return value

    @model_validator(mode="after")
    def _retries_within_the_vendors_ceiling(self) -> VendorApiSettings:
        spent = self.callback_retry_number * self.callback_retry_delay_seconds
        if self.callback_retry_policy == "Bounded" and spent > RETRY_CEILING_SECONDS:
            raise ValueError(
                f"CALLBACK_RETRY_NUMBER x CALLBACK_RETRY_DELAY_SECONDS is {spent} s, beyond the vendor's "
                f"3-day ceiling ({RETRY_CEILING_SECONDS} s): retries past it are never sent"
            )
        return self

    @property
    def fleet_zone(self) -> ZoneInfo:
        """The fleet's time zone."""
        return ZoneInfo(self.stellantis_fleet_timezone)
