"""Which vehicle cloud the bot talks to, built from the settings: the composition root's one choice."""

from __future__ import annotations

import aiohttp
from redis.asyncio import Redis

from bot.catalogue.table import REMOTE_ROWS
from bot.config import Settings
from bot.store.keys import Keys
from bot.store.vehicle_ids import VehicleIds
from bot.vehicle.client import StellantisClient, create_client
from bot.vehicle.connected_car import ConnectedCarV1
from bot.vehicle.fleet_callback import CallbackWanted
from bot.vehicle.fleet_client import FleetOwnerClient, create_fleet_client
from bot.vehicle.fleet_owner import FleetOwnerV3
from bot.vehicle.fleet_wire import BatchNotify, RetryPolicy
from bot.web.names import CALLBACK_PATH


def webhook_url(settings: Settings) -> str:
    """Where the vendor posts notifications."""
    assert settings.callback_public_url is not None
    return settings.callback_public_url.rstrip("/") + CALLBACK_PATH


def connected_car_client(settings: Settings, session: aiohttp.ClientSession) -> StellantisClient:
    """The Connected Car v1 client: OAuth2 tokens obtained with the client certificate."""
    assert settings.stellantis_api_url is not None and settings.stellantis_token_url is not None
    assert settings.stellantis_client_id is not None
    return create_client(
        session,
        api_url=settings.stellantis_api_url,
        token_url=settings.stellantis_token_url,
        client_id=settings.stellantis_client_id,
        scope=settings.stellantis_scope,
        client_secret=(
            settings.stellantis_client_secret.get_secret_value()
            if settings.stellantis_client_secret
            else None
        ),
        cert_file=settings.stellantis_cert_file,
        key_file=settings.stellantis_key_file,
        ca_file=settings.stellantis_ca_file,
        timeout_seconds=settings.stellantis_timeout_seconds,
    )


def connected_car_v1(settings: Settings, session: aiohttp.ClientSession) -> ConnectedCarV1:
    """The Connected Car v1 cloud: one notification channel."""
    return ConnectedCarV1(
        connected_car_client(settings, session),
        channel_label=settings.stellantis_channel_label,
        webhook_url=webhook_url(settings),
        callback_token=settings.callback_token,
        channel_id=settings.stellantis_channel_id,
    )


def offered_remote_types() -> tuple[str, ...]:
    """The v3 RemoteTypes of the actions the bot offers under Fleet Owner v3: what its callback carries."""
    types = {row.remote.model.v3.remote_type for row in REMOTE_ROWS if row.remote and row.remote.model.v3}
    return tuple(sorted(types))


def callback_wanted(settings: Settings) -> CallbackWanted:
    """The bot's Fleet Owner v3 callback, as the settings describe it."""
    batch = (
        BatchNotify(size=settings.callback_batch_size, time_window=settings.callback_batch_window_seconds)
        if settings.callback_batch_size
        else None
    )
    bounded = settings.callback_retry_policy == "Bounded"
    retry = RetryPolicy(
        policy=settings.callback_retry_policy,
        retry_number=settings.callback_retry_number if bounded else None,
        retry_delay=settings.callback_retry_delay_seconds if bounded else None,
    )
    return CallbackWanted(
        label=settings.stellantis_channel_label,
        webhook_url=webhook_url(settings),
        token=settings.callback_token,
        retry=retry,
        batch=batch,
        remote_types=offered_remote_types(),
    )


def fleet_owner_client(settings: Settings, session: aiohttp.ClientSession) -> FleetOwnerClient:
    """The Fleet Owner v3 client: Basic login, client_id, mutual TLS."""
    assert settings.stellantis_api_url is not None and settings.stellantis_client_id is not None
    assert settings.stellantis_login is not None and settings.stellantis_password is not None
    return create_fleet_client(
        session,
        api_url=settings.stellantis_api_url,
        client_id=settings.stellantis_client_id,
        login=settings.stellantis_login,
        password=settings.stellantis_password.get_secret_value(),
        cert_file=settings.stellantis_cert_file,
        key_file=settings.stellantis_key_file,
        ca_file=settings.stellantis_ca_file,
        timeout_seconds=settings.stellantis_timeout_seconds,
    )


def fleet_owner_v3(
    settings: Settings, session: aiohttp.ClientSession, redis: Redis, keys: Keys
) -> FleetOwnerV3:
    """The Fleet Owner v3 cloud: one fleet, one remote callback, the VIN map in Redis."""
    return FleetOwnerV3(
        fleet_owner_client(settings, session),
        fleet_id=settings.stellantis_fleet_id,
        id_map=lambda fleet_id: VehicleIds(redis, keys, fleet_id),
        callback=callback_wanted(settings),
        zone=settings.fleet_zone,
    )


def vehicle_cloud(
    settings: Settings, session: aiohttp.ClientSession, redis: Redis, keys: Keys
) -> ConnectedCarV1 | FleetOwnerV3:
    """The cloud STELLANTIS_API names (not set up yet: the caller calls `set_up`)."""
    if settings.stellantis_api == "fleet-v3":
        return fleet_owner_v3(settings, session, redis, keys)
    return connected_car_v1(settings, session)
