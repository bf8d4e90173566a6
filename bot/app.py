"""The one place where things are wired: HTTP session, Redis, vendor client, Bolt app, routes, workers."""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.web.async_client import AsyncWebClient

from bot.clouds import vehicle_cloud
from bot.config import Settings
from bot.runtime.cancellation import stop_tasks
from bot.runtime.http_metrics import http_tracer
from bot.runtime.loops import DueTimes, keep_running
from bot.runtime.metrics import Metrics
from bot.services import Services
from bot.slack import ingress
from bot.slack.alerts import alert_audit_lag
from bot.slack.jobs import IDLE_SECONDS
from bot.slack.messenger import Messenger, build_slack_clients
from bot.store.batches import batch_send_bell
from bot.store.connect import connect, wait_for_redis
from bot.store.keys import Keys
from bot.usecases.authz import Authorizer
from bot.usecases.fleet import Fleet
from bot.web.callback import add_callback_route
from bot.web.names import SERVICES_KEY, SLACK_PATH
from bot.web.observability import metrics_server, sample_inbox_forever
from bot.web.serving import HTTP_LIMITS_KEY, STAGE_KEY, HttpLimits, StartStage

log = logging.getLogger(__name__)

BOLT_KEY = web.AppKey("bolt", AsyncApp)

BackgroundTask = Callable[[Services], Coroutine[Any, Any, None]]


@dataclass
class AppOptions:
    """How the web app is assembled (the demo and the tests differ from `serve` only here)."""

    simulator: bool = False  # the vehicle cloud is the built-in simulator: messages say SIMULATOR
    background: list[BackgroundTask] = field(
        default_factory=list
    )  # long-running jobs (inbox workers, sweeps)
    pipeline: bool = True  # run the notification pipeline's jobs (inbox consumers, renderer, sweep)


async def bot_identity(services: Services) -> AuthorizeResult:
    """Ask Slack who the bot is, once at start (a bad token stops start-up instead of every request)."""
    client = services.messenger.client
    identity = await client.auth_test()
    return AuthorizeResult(
        enterprise_id=identity.get("enterprise_id"),
        team_id=identity.get("team_id"),
        bot_user_id=identity.get("user_id"),
        bot_id=identity.get("bot_id"),
        bot_token=client.token,
    )


def build_bolt_app(services: Services, identity: AuthorizeResult) -> AsyncApp:
    """The Bolt app with every listener registered; no work at import time."""
    from handlers import register  # the wiring module is the only one in bot that imports handlers

    settings = services.settings
    assert settings.slack_signing_secret is not None

    async def authorize() -> AuthorizeResult:
        # Known since start-up: acknowledging a request never waits for a Slack call.
        return identity

    bolt = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=services.messenger.client,
        authorize=authorize,
        process_before_response=False,
    )
    register(bolt, services)
    return bolt


async def _slack_events(request: web.Request) -> web.Response:
    started = time.perf_counter()
    try:
        return await _answer_slack(request)
    finally:
        request.app[SERVICES_KEY].metrics.ack_seconds.observe(time.perf_counter() - started)


async def _answer_slack(request: web.Request) -> web.Response:
    edge = request.app[EDGE_KEY]
    try:
        bolt_request = await ingress.bolt_request(
            request, edge.secret, edge.origins, edge.command, edge.body_seconds
        )
    except ingress.Refused as refused:
        log.info("Slack request refused (%d): %s", refused.status, refused.reason)  # never the body
        return refused.response()
    bolt_response = await request.app[BOLT_KEY].async_dispatch(bolt_request)
    return await to_aiohttp_response(bolt_response)


@dataclass(frozen=True)
class SlackEdge:
    """What the edge checks Slack's requests with."""

    secret: bytes
    origins: ingress.Origins
    command: str  # SLACK_COMMAND
    body_seconds: float  # HTTP_BODY_TIMEOUT_SECONDS


EDGE_KEY = web.AppKey("slack_edge", SlackEdge)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "alive"})


async def _readyz(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    try:
        await asyncio.wait_for(services.redis.ping(), timeout=2)
        replicas = await asyncio.wait_for(_replicas(services), timeout=2)
    except (RedisError, OSError, TimeoutError) as error:
        return web.json_response({"status": "not ready", "redis": type(error).__name__}, status=503)
    if services.settings.slack_app_token is not None:
        handler = request.app[SOCKET_KEY].handler
        connected = handler is not None and await handler.client.is_connected()
        if not connected:
            return web.json_response(
                {"status": "not ready", "redis": "ok", "socket_mode": "down", **replicas}, status=503
            )
        return web.json_response({"status": "ready", "redis": "ok", "socket_mode": "connected", **replicas})
    return web.json_response({"status": "ready", "redis": "ok", **replicas})


async def _replicas(services: Services) -> dict[str, Any]:
    """With REDIS_MIN_REPLICAS: the replicas online and, when short of them, what notifications get."""
    replication = await services.inbox_writer.check_replicas()
    if replication is None:
        return {}
    detail: dict[str, Any] = {
        "replicas": {"online": replication.online, "wanted": replication.wanted, "short": replication.short}
    }
    if replication.short:
        detail["notifications"] = (
            "answered 500 until enough replicas are online (REDIS_REPLICAS_INSIST)"
            if services.settings.redis_replicas_insist
            else "answered 200 once the primary and the replicas online hold them"
        )
    return detail


def _group_members(client: AsyncWebClient) -> Callable[[str], Awaitable[set[str]]]:
    async def members(group_id: str) -> set[str]:
        response = await client.usergroups_users_list(usergroup=group_id)
        users: list[Any] = response.get("users", [])
        return {str(user) for user in users}

    return members


async def _assemble(
    settings: Settings,
    options: AppOptions,
    session: aiohttp.ClientSession,
    redis: Redis,
    metrics: Metrics,
) -> Services:
    """The process's services: Slack clients, the vehicle cloud set up, stores, authorization."""
    assert settings.slack_bot_token is not None
    client, posting = build_slack_clients(
        settings.slack_bot_token.get_secret_value(), settings.slack_api_url, session
    )
    vehicles = vehicle_cloud(settings, session, redis, Keys(settings.redis_key_prefix))
    await vehicles.set_up()
    services = Services.assemble(
        settings,
        redis,
        authorizer=Authorizer(
            settings.policy_file,
            _group_members(client),
            group_cache_seconds=settings.usergroup_cache_seconds,
            reload_seconds=settings.policy_reload_seconds,
        ),
        fleet=Fleet.load(settings.fleet_file),
        vehicles=vehicles,
        messenger=Messenger(client, posting, settings.alert_channel, simulator=options.simulator),
        simulator=options.simulator,
        metrics=metrics,
    )
    return services


def _peers(settings: Settings) -> dict[str, str]:
    """The base URLs whose calls the metrics count, and the label of each peer."""
    peers = {settings.slack_api_url.rstrip("/"): "slack"}
    if settings.stellantis_token_url is not None:
        peers[settings.stellantis_token_url] = "vendor_token"
    if settings.stellantis_api_url is not None:
        peers[settings.stellantis_api_url.rstrip("/")] = "vendor"
    return peers


def create_web_app(settings: Settings, options: AppOptions | None = None) -> web.Application:
    """The aiohttp application serving Slack, the vendor callback and health on one port."""
    options = options or AppOptions()
    app = web.Application(client_max_size=1024 * 1024 + 1)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # `serve` checked these with Settings.require; the demo and the tests set them.
        settings.require(settings.serve_required)
        assert settings.redis_url is not None and settings.slack_bot_token is not None
        assert settings.stellantis_client_id is not None and settings.stellantis_api_url is not None
        assert settings.callback_public_url is not None
        stage, metrics = app[STAGE_KEY], Metrics()
        session = aiohttp.ClientSession(trace_configs=[http_tracer(metrics, _peers(settings))])
        redis = connect(settings)
        try:
            stage.doing = "Redis at REDIS_URL"
            await wait_for_redis(redis, settings.redis_start_wait_seconds)
            stage.doing = "the vehicle cloud and Slack"
            services = await _assemble(settings, options, session, redis, metrics)
            bolt = build_bolt_app(services, await bot_identity(services))
        except BaseException:
            await redis.aclose()  # a failed start leaves nothing open behind it
            await session.close()
            raise
        app[SERVICES_KEY] = services
        app[BOLT_KEY] = bolt
        jobs = list(options.background)
        if options.pipeline:
            from bot.notifications.consumer import pipeline_jobs
            from bot.slack.jobs import output_jobs

            jobs.extend(pipeline_jobs())
            jobs.extend(output_jobs())
            jobs.append(sample_inbox_forever)
        if settings.slack_app_token is not None:
            jobs.append(socket_mode_job(bolt, app[SOCKET_KEY]))
        tasks = [asyncio.create_task(job(services), name=getattr(job, "__qualname__", "job")) for job in jobs]
        log.info("ready: vehicle cloud %r, %d background jobs", services.vehicles, len(tasks))
        # Everything built so far lives as long as the process: keeping it out of the garbage collector's
        # sight makes each collection cheaper on the request path.
        gc.freeze()
        try:
            async with AsyncExitStack() as scraping:
                if settings.metrics_port is not None:
                    await scraping.enter_async_context(
                        metrics_server(metrics, settings.metrics_host, settings.metrics_port)
                    )
                yield
        finally:
            stuck = await stop_tasks(tasks)
            if stuck:
                log.error("background jobs did not stop and were left behind: %s", ", ".join(stuck))
            await services.work.drain()
            await redis.aclose()
            await session.close()
            gc.unfreeze()

    app[SOCKET_KEY] = SocketModeLink()
    app[STAGE_KEY] = StartStage()
    secret = (
        settings.slack_signing_secret.get_secret_value().encode() if settings.slack_signing_secret else b""
    )
    app[EDGE_KEY] = SlackEdge(
        secret,
        ingress.Origins.parse(settings.slack_response_origins),
        settings.slack_command,
        settings.http_body_timeout_seconds,
    )
    app[HTTP_LIMITS_KEY] = HttpLimits(settings.http_idle_timeout_seconds)
    app.cleanup_ctx.append(lifecycle)
    app.router.add_post(SLACK_PATH, _slack_events)
    add_callback_route(app)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/readyz", _readyz)
    return app


async def reconcile_stale_sends_forever(services: Services) -> None:
    """Reconcile requests stuck in "sending" (a crash between the record and the 202) once they are stale.

    It sleeps until the oldest sending request turns stale, at most a third of SENDING_RECONCILE_SECONDS
    (at least 1 s: what finds requests other replicas started, and the retry pace of what stays stale).
    """
    from bot.usecases.dispatch import reconcile_stale_sends

    stale_after = services.settings.sending_reconcile_seconds
    interval = max(1.0, stale_after / 3)
    due = DueTimes(interval)

    async def reconcile() -> float:
        oldest = await services.requests.oldest_sending()
        wait = due.wait(None if oldest is None else oldest + stale_after)
        if wait > 0:
            return wait
        started = time.time()
        await reconcile_stale_sends(services)
        due.ran(started)
        return 0.0

    await keep_running("stale-send reconciliation", reconcile, every=interval)


async def finish_leftovers_forever(services: Services) -> None:
    """At start, then every LEFTOVER_CHECK_SECONDS: request messages left behind their stored state."""
    from bot.usecases.dispatch import finish_leftovers

    async def check() -> None:
        await finish_leftovers(services)

    await keep_running("leftovers check", check, every=services.settings.leftover_check_seconds)


async def audit_watch_forever(services: Services) -> None:
    """Every AUDIT_WATCH_SECONDS, alert when audit entries wait beyond the retention for an export."""

    async def check() -> None:
        await alert_audit_lag(services, services.audit)

    await keep_running("audit watch", check, every=services.settings.audit_watch_seconds)


class SocketModeLink:
    """The Socket Mode connection while there is one (readiness reports it)."""

    def __init__(self) -> None:
        self.handler: AsyncSocketModeHandler | None = None


SOCKET_KEY = web.AppKey("socket_mode", SocketModeLink)


def socket_mode_job(bolt: AsyncApp, link: SocketModeLink) -> BackgroundTask:
    """Receive Slack traffic over Socket Mode (SLACK_APP_TOKEN) while HTTP routes keep serving."""

    async def socket_mode_forever(services: Services) -> None:
        token = services.settings.slack_app_token
        assert token is not None
        link.handler = AsyncSocketModeHandler(bolt, token.get_secret_value())
        try:
            await link.handler.connect_async()  # type: ignore[no-untyped-call]
            await asyncio.Event().wait()
        finally:
            await link.handler.close_async()  # type: ignore[no-untyped-call]
            link.handler = None

    return socket_mode_forever


async def send_batches_forever(services: Services) -> None:
    """Send queued batch members at the pace every replica shares (any replica continues any batch)."""
    from bot.usecases.batch_sender import BatchSender

    sender = BatchSender(services)
    try:
        await keep_running(
            "batch sender", sender.one_round, every=1.0, cap=IDLE_SECONDS, bell=batch_send_bell(services.keys)
        )
    finally:
        await sender.drain()


async def sweep_batches_forever(services: Services) -> None:
    """At start, then every LEFTOVER_CHECK_SECONDS: batches a crash or a deadline left behind."""
    from bot.usecases.batch_sender import sweep_batches

    async def check() -> None:
        await sweep_batches(services)

    await keep_running("batch sweep", check, every=services.settings.leftover_check_seconds)


def default_jobs(settings: Settings) -> list[BackgroundTask]:
    """The background jobs every serving process runs (Socket Mode, when set, is added at start)."""
    return [
        reconcile_stale_sends_forever, finish_leftovers_forever, audit_watch_forever, send_batches_forever,
        sweep_batches_forever,
    ]  # fmt: skip
