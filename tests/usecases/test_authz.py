"""Authorization from the policy file: deny by default, scopes, user groups, reload."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.catalogue.action import Permission
from bot.cli.main import main
from bot.usecases.authz import Authorizer, Policy, PolicyError
from bot.usecases.fleet import Vehicle

PARIS_VAN = Vehicle(vin="VR3UHZKXZLT000012", alias="van-12", groups=("paris",))
LYON_CAR = Vehicle(vin="VXKUHZKXZL4000033", alias="car-33", groups=("lyon",))

SERVE_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "secret",
    "STELLANTIS_API_URL": "http://127.0.0.1:9/api",
    "STELLANTIS_TOKEN_URL": "http://127.0.0.1:9/token",
    "STELLANTIS_CLIENT_ID": "client",
    "STELLANTIS_SCOPE": "remote",
    "CALLBACK_PUBLIC_URL": "https://bot.example",
    "CALLBACK_TOKENS": "cb",
    "REDIS_URL": "redis://127.0.0.1:9/0",
}

POLICY = """
roles:
  operator: {actions: [lock, unlock, status]}
  security: {actions: ["*"], approve: [immobilize]}
grants:
  - subjects: [U0OP, S0NIGHT]
    roles: [operator]
    vehicles: [paris]
    channels: [C0OPS]
  - subjects: [U0SEC]
    roles: [security]
require_approval: [immobilize]
"""


async def _members(group: str) -> set[str]:
    return {"U0NIGHT"} if group == "S0NIGHT" else set()


async def _slack_down(group: str) -> set[str]:
    raise ConnectionError("slack unreachable")


def _grant_security_to_new_user(path: Path, *, typo: bool = False) -> None:
    text = POLICY.replace("[U0SEC]", "[U0SEC, U0NEW]")
    path.write_text(text.replace("[lock, unlock", "[lok, unlock") if typo else text)
    stat = path.stat()
    os.utime(path, (stat.st_atime, stat.st_mtime + 10))  # a distinct mtime even on coarse clocks


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY)
    return path


async def test_deny_by_default_and_the_reason_names_action_and_user(policy_file: Path) -> None:
    """A user no grant names may do nothing; the reason names the action and their id."""
    decision = await Authorizer(policy_file, _members).check("U0NOBODY", "lock", PARIS_VAN, "C0OPS")
    assert not decision.allowed
    assert "`lock`" in decision.reason and "U0NOBODY" in decision.reason


async def test_grant_limited_to_vehicle_group_and_channel(policy_file: Path) -> None:
    """The operator may lock paris vehicles from C0OPS only."""
    authz = Authorizer(policy_file, _members)
    assert (await authz.check("U0OP", "lock", PARIS_VAN, "C0OPS")).allowed
    assert not (await authz.check("U0OP", "lock", LYON_CAR, "C0OPS")).allowed
    assert not (await authz.check("U0OP", "lock", PARIS_VAN, "C0ELSEWHERE")).allowed
    assert not (await authz.check("U0OP", "horn", PARIS_VAN, "C0OPS")).allowed


async def test_user_group_membership_grants_and_slack_outage_denies(policy_file: Path) -> None:
    """A member of a granted user group is allowed; when Slack cannot be asked, the answer is no."""
    assert (await Authorizer(policy_file, _members).check("U0NIGHT", "lock", PARIS_VAN, "C0OPS")).allowed
    assert not (
        await Authorizer(policy_file, _slack_down).check("U0NIGHT", "lock", PARIS_VAN, "C0OPS")
    ).allowed


async def test_approve_permission_is_separate_from_running(policy_file: Path) -> None:
    """Security may approve immobilize; the operator may not, and it requires approval."""
    authz = Authorizer(policy_file, _members)
    assert (await authz.check("U0SEC", "immobilize", LYON_CAR, "C0ANY", approve=True)).allowed
    assert not (await authz.check("U0OP", "immobilize", PARIS_VAN, "C0OPS", approve=True)).allowed
    assert authz.requires_approval("immobilize") and not authz.requires_approval("lock")


async def test_policy_change_is_picked_up_without_restart(policy_file: Path) -> None:
    """Editing the policy file grants the new permission on the next check."""
    authz = Authorizer(policy_file, _members, reload_seconds=0.0)
    assert not (await authz.check("U0NEW", "lock", PARIS_VAN, "C0OPS")).allowed
    _grant_security_to_new_user(policy_file)
    assert (await authz.check("U0NEW", "lock", PARIS_VAN, "C0OPS")).allowed


def test_unknown_role_in_a_grant_is_refused_with_where(tmp_path: Path) -> None:
    """A grant naming a role the file does not define stops loading with a clear message."""
    path = tmp_path / "bad.yaml"
    path.write_text("roles: {}\ngrants:\n  - {subjects: [U1], roles: [ghost]}\n")
    with pytest.raises(PolicyError, match="unknown role 'ghost'"):
        Policy.load(path)


def test_unknown_action_name_is_refused_naming_it_and_the_valid_ones(tmp_path: Path) -> None:
    """A typo such as `unlok` in a role stops loading instead of silently denying."""
    path = tmp_path / "typo.yaml"
    path.write_text(POLICY.replace("[lock, unlock, status]", "[lock, unlok, status]"))
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    message = str(caught.value)
    assert "roles.operator.actions" in message and "'unlok'" in message
    assert "wipe-data" in message and "unlock" in message  # the valid names are listed


def test_unknown_action_name_in_require_approval_is_refused(tmp_path: Path) -> None:
    """`require_approval` names are checked too (a typo there would skip the second person)."""
    path = tmp_path / "typo.yaml"
    path.write_text(POLICY.replace("require_approval: [immobilize]", "require_approval: [immobilise]"))
    with pytest.raises(PolicyError, match="require_approval: unknown action or permission 'immobilise'"):
        Policy.load(path)


async def test_a_permission_is_validated_like_an_action_and_only_a_grant_naming_it_gives_it(
    tmp_path: Path,
) -> None:
    """`exceed-wakeups` is a known name (a typo of it stops loading); "*" gives every action, not it."""
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY.replace("[lock, unlock, status]", "[lock, exceed-wakeup]"))
    with pytest.raises(PolicyError, match=r"unknown action or permission 'exceed-wakeup'.*exceed-wakeups"):
        Policy.load(path)
    path.write_text(POLICY.replace("[lock, unlock, status]", "[lock, exceed-wakeups]"))
    authz = Authorizer(path, _members)
    assert (await authz.check("U0OP", Permission.EXCEED_WAKEUPS, PARIS_VAN, "C0OPS")).allowed
    assert not (await authz.check("U0SEC", Permission.EXCEED_WAKEUPS, PARIS_VAN, "C0OPS")).allowed


async def test_reload_with_an_unknown_action_keeps_the_previous_policy(policy_file: Path) -> None:
    """An edit with a typo is not taken: the running policy stays as it was."""
    authz = Authorizer(policy_file, _members, reload_seconds=0.0)
    _grant_security_to_new_user(policy_file, typo=True)
    assert (await authz.check("U0OP", "lock", PARIS_VAN, "C0OPS")).allowed
    assert not (await authz.check("U0NEW", "lock", PARIS_VAN, "C0OPS")).allowed


def test_serve_with_an_unknown_action_stops_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`remote-bot serve` reads the policy first: a typo is one line naming the file and the word."""
    path = tmp_path / "typo.yaml"
    path.write_text(POLICY.replace("[lock, unlock, status]", "[lock, unlok, status]"))
    for name, value in SERVE_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("POLICY_FILE", str(path))
    assert main(["serve"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("remote-bot: configuration error: POLICY_FILE") and "'unlok'" in line
