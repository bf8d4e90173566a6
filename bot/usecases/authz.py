"""Per-user, per-action, per-vehicle authorization from POLICY_FILE (deny by default, reloaded on change)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.catalogue.table import PERMISSIONS, POLICY_WORDS
from bot.runtime.yaml_file import YamlFileError, read_yaml
from bot.usecases.fleet import Vehicle

log = logging.getLogger(__name__)

ALL = "*"
FAILURE_CACHE_SECONDS = 10.0
GroupMembers = Callable[[str], Awaitable[set[str]]]


class PolicyError(ValueError):
    """The policy file cannot be used; the message says where and why."""


class Role(BaseModel):
    """A role: the actions it may run and the actions it may approve."""

    model_config = ConfigDict(extra="forbid")

    actions: list[str] = Field(default_factory=list)
    approve: list[str] = Field(default_factory=list)


class Grant(BaseModel):
    """Roles given to Slack users and user groups, optionally limited to vehicles and channels."""

    model_config = ConfigDict(extra="forbid")

    subjects: list[str]
    roles: list[str]
    vehicles: list[str] | None = None  # vehicle groups or aliases; None means every vehicle
    channels: list[str] | None = None  # None means any channel


class Policy(BaseModel):
    """The whole policy file."""

    model_config = ConfigDict(extra="forbid")

    roles: dict[str, Role] = Field(default_factory=dict)
    grants: list[Grant] = Field(default_factory=list)
    require_approval: list[str] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> Policy:
        """Read and check a policy file."""
        try:
            policy = cls.model_validate(read_yaml(path) or {})
        except YamlFileError as error:
            raise PolicyError(f"POLICY_FILE {path}: {error}") from None
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise PolicyError(f"POLICY_FILE {path}: {where}: {first['msg']}") from None
        for grant in policy.grants:
            for role in grant.roles:
                if role not in policy.roles:
                    raise PolicyError(f"POLICY_FILE {path}: a grant names the unknown role {role!r}")
        policy.check_action_names(path)
        return policy

    def check_action_names(self, path: Path) -> None:
        """Refuse an action name the catalogue does not know (a typo would silently deny)."""
        named = [
            (f"roles.{name}.{field}", word)
            for name, role in self.roles.items()
            for field, words in (("actions", role.actions), ("approve", role.approve))
            for word in words
        ] + [("require_approval", word) for word in self.require_approval]
        for where, word in named:
            if word != ALL and word not in POLICY_WORDS:
                valid = ", ".join(sorted(POLICY_WORDS))
                raise PolicyError(
                    f"POLICY_FILE {path}: {where}: unknown action or permission {word!r} "
                    f'(valid: {valid}, or "*")'
                )


@dataclass(frozen=True)
class Decision:
    """The answer to "may this user do this?", with the reason shown on a denial."""

    allowed: bool
    reason: str = ""


@dataclass(frozen=True)
class Entitlement:
    """One grant as it applies to a user, for `whoami`."""

    role: str
    actions: tuple[str, ...]
    approve: tuple[str, ...]
    vehicles: tuple[str, ...] | None
    channels: tuple[str, ...] | None
    via: str  # the user id or the user group that carries it


class Authorizer:
    """Answers permission questions from the current policy and Slack user-group membership."""

    def __init__(
        self,
        policy_file: Path | None,
        group_members: GroupMembers,
        *,
        group_cache_seconds: float = 300.0,
        reload_seconds: float = 5.0,
    ) -> None:
        self._path = policy_file
        self._group_members = group_members
        self._group_cache_seconds = group_cache_seconds
        self._reload_seconds = reload_seconds
        self._policy = Policy.load(policy_file) if policy_file else Policy()
        self._mtime = policy_file.stat().st_mtime if policy_file else 0.0
        self._checked_at = time.monotonic()
        self._groups: dict[str, tuple[float, set[str] | None]] = {}  # group -> (expires at, members)

    @property
    def policy(self) -> Policy:
        """The current policy, reloaded first when the file changed."""
        self._reload_if_changed()
        return self._policy

    def _reload_if_changed(self) -> None:
        if self._path is None or time.monotonic() - self._checked_at < self._reload_seconds:
            return
        self._checked_at = time.monotonic()
        try:
            mtime = self._path.stat().st_mtime
            if mtime != self._mtime:
                self._policy = Policy.load(self._path)
                self._mtime = mtime
                log.info("policy reloaded from %s", self._path)
        except (OSError, PolicyError) as error:
            log.error("policy not reloaded, keeping the previous one: %s", error)

    async def _is_member(self, user_id: str, group_id: str) -> bool:
        expires_at, members = self._groups.get(group_id, (0.0, None))
        if time.monotonic() >= expires_at:
            try:
                members = await self._group_members(group_id)
                keep_for = self._group_cache_seconds
            except Exception as error:  # noqa: BLE001 - Slack unreachable: deny, never guess
                log.warning("user group %s could not be read (%s): treated as no members", group_id, error)
                members = None
                keep_for = min(FAILURE_CACHE_SECONDS, self._group_cache_seconds)  # not asked again per check
            self._groups[group_id] = (time.monotonic() + keep_for, members)
        return members is not None and user_id in members

    async def entitlements(self, user_id: str) -> list[Entitlement]:
        """Every role the user holds and where it applies."""
        policy = self.policy
        found = []
        for grant in policy.grants:
            via = None
            for subject in grant.subjects:
                if subject == user_id or (
                    subject.startswith("S") and await self._is_member(user_id, subject)
                ):
                    via = subject
                if via:
                    break
            if via is None:
                continue
            for role_name in grant.roles:
                role = policy.roles[role_name]
                found.append(
                    Entitlement(
                        role=role_name,
                        actions=tuple(role.actions),
                        approve=tuple(role.approve),
                        vehicles=tuple(grant.vehicles) if grant.vehicles is not None else None,
                        channels=tuple(grant.channels) if grant.channels is not None else None,
                        via=via,
                    )
                )
        return found

    async def check(
        self, user_id: str, action: str, vehicle: Vehicle | None, channel: str, *, approve: bool = False
    ) -> Decision:
        """May `user_id` run (or, with approve=True, approve) `action` on `vehicle` from `channel`?

        `action` may also be a permission (`exceed-wakeups`), which only a grant naming it gives.
        """
        for entitlement in await self.entitlements(user_id):
            granted = entitlement.approve if approve else entitlement.actions
            if action not in granted and (ALL not in granted or action in PERMISSIONS):
                continue
            if entitlement.channels is not None and channel not in entitlement.channels:
                continue
            if (
                vehicle is not None
                and entitlement.vehicles is not None
                and not vehicle.matches_scope(set(entitlement.vehicles))
            ):
                continue
            return Decision(True)
        return Decision(False, self.refusal(user_id, f"`{action}`", vehicle, approve=approve))

    @staticmethod
    def refusal(user_id: str, what: str, vehicle: Vehicle | None, *, approve: bool = False) -> str:
        """Why the user may not run (or approve) `what`, and who can change that."""
        verb = "approve" if approve else "run"
        where = f" on {vehicle.name}" if vehicle is not None else ""
        return (
            f"You are not allowed to {verb} {what}{where} from this channel. "
            f"Ask an admin to grant it to your user id `{user_id}` in the policy file."
        )

    def requires_approval(self, action: str) -> bool:
        """Whether the policy wants a second person to approve `action`."""
        return action in self.policy.require_approval
