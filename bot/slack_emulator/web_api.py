"""The emulator's aiohttp app: Web API methods under /api/, response URLs under /response/."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

from bot.slack_emulator.methods import METHODS
from bot.slack_emulator.models import JSON, ApiError, CallRecord
from bot.slack_emulator.response_urls import apply_payload, check_usable
from bot.slack_emulator.state import SlackState

STATE_KEY = web.AppKey("slack_emulator_state", SlackState)
RESPONSE_URL_METHOD = "response_url"
# Error names that a response_url answers with HTTP 404; its other errors are 400.
_GONE_ERRORS = ("expired_url", "used_url")


def build_slack_api_app(state: SlackState) -> web.Application:
    """An aiohttp app serving the emulated Web API (/api/<method>) and response URLs (/response/<id>)."""
    app = web.Application()
    app[STATE_KEY] = state
    app.router.add_route("*", "/api/{method}", _api_call)
    app.router.add_post("/response/{url_id}", _response_url_post)
    return app


@dataclass
class RunningSlack:
    """An emulator listening on a local port; `api_url` is the base_url for slack_sdk clients."""

    url: str
    api_url: str
    state: SlackState
    _runner: web.AppRunner = field(repr=False)

    async def close(self) -> None:
        """Stop listening and release the port."""
        await self._runner.cleanup()

    async def __aenter__(self) -> RunningSlack:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


async def start_slack_emulator(
    state: SlackState | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> RunningSlack:
    """Serve the emulator in this event loop (port 0 picks a free port) and point state.base_url at it."""
    state = state if state is not None else SlackState()
    runner = web.AppRunner(build_slack_api_app(state))
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    public_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{public_host}:{bound_port}/"
    state.base_url = url
    return RunningSlack(url=url, api_url=f"{url}api/", state=state, _runner=runner)


def _json(body: JSON, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def _error_body(err: ApiError) -> JSON:
    body: JSON = {"ok": False, "error": err.error}
    if err.messages:
        body["response_metadata"] = {"messages": err.messages}
    return body


async def _read_params(request: web.Request) -> JSON:
    """Query string plus the body, JSON or form-encoded, as slack_sdk sends them."""
    params: JSON = dict(request.query)
    if not request.can_read_body:
        return params
    if request.content_type == "application/json":
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise ApiError("invalid_json") from None
        if not isinstance(body, dict):
            raise ApiError("json_not_object")
        params.update(body)
    else:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params


def _bearer_token(request: web.Request, params: JSON) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header.removeprefix("Bearer ").strip()
    token = params.get("token")
    return str(token) if token else None


async def _api_call(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    method = request.match_info["method"]
    try:
        params = await _read_params(request)
    except ApiError as err:
        state.record_call(CallRecord(method, {}, state.clock(), error=err.error))
        return _json(_error_body(err))
    token = _bearer_token(request, params)
    params.pop("token", None)  # never keep a token in the call log
    record = CallRecord(method, params, state.clock())
    response = _dispatch(state, method, token, params, record)
    state.record_call(record)
    return response


def _dispatch(
    state: SlackState, method: str, token: str | None, params: JSON, record: CallRecord
) -> web.Response:
    """Run one call with no await inside, so each call sees and changes the state atomically."""
    spec = METHODS.get(method)
    try:
        if spec is None:
            raise ApiError("unknown_method")
        if token is None:
            raise ApiError("not_authed")
        if not state.token_matches(token):
            raise ApiError("invalid_auth")
        injected = _injected_fault(state, method, record)
        if injected is not None:
            return injected
        missing = [name for name in spec.required if params.get(name) in (None, "")]
        if missing:
            raise ApiError("invalid_arguments", *(f"[ERROR] missing required field: {m}" for m in missing))
        result = spec.run(state, params)
    except ApiError as err:
        record.error = err.error
        return _json(_error_body(err))
    return _json({"ok": True, **result})


def _injected_fault(state: SlackState, method: str, record: CallRecord) -> web.Response | None:
    """The answer to an injected 429 or 5xx, None without a fault; an injected Slack error is raised."""
    fault = state.take_fault(method)
    if fault is None:
        return None
    if fault.kind == "ratelimit":
        record.status, record.error = 429, "ratelimited"
        headers = {"Retry-After": str(fault.retry_after)}
        return _json({"ok": False, "error": "ratelimited"}, 429, headers=headers)
    if fault.kind == "server_error":
        record.status, record.error = fault.status, "fatal_error"
        return _json({"ok": False, "error": "fatal_error"}, fault.status)
    raise ApiError(fault.error)


async def _response_url_post(request: web.Request) -> web.Response:
    state = request.app[STATE_KEY]
    try:
        payload = json.loads(await request.text())
    except ValueError:
        payload = None
    record = CallRecord(RESPONSE_URL_METHOD, payload if isinstance(payload, dict) else {}, state.clock())
    response = _respond(state, request.match_info["url_id"], payload, record)
    state.record_call(record)
    return response


def _respond(state: SlackState, url_id: str, payload: object, call: CallRecord) -> web.Response:
    """Handle one response_url POST atomically; errors are 404 when the URL is spent, else 400."""
    record = state.response_urls.get(url_id)
    try:
        if record is None:
            raise ApiError("expired_url")
        injected = _injected_fault(state, RESPONSE_URL_METHOD, call)
        if injected is not None:
            return injected
        check_usable(state, record)
        record.uses += 1
        if not isinstance(payload, dict):
            raise ApiError("invalid_payload")
        record.posts.append(payload)
        apply_payload(state, record, payload)
    except ApiError as err:
        call.status = 404 if err.error in _GONE_ERRORS else 400
        call.error = err.error
        return _json(_error_body(err), call.status)
    return _json({"ok": True})
