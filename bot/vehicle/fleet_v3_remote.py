"""The Fleet Owner B2B v3 `Remote` body: a label and one feature's action key, no `action` wrapper."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.vehicle.features import BY_V3_KEY, FeatureModel
from bot.vehicle.features.base import RemoteBodyError, RemoteRequestError, V3Context
from bot.vehicle.features.strict import closed_object, only_one, text


def build_v3_remote(label: str, feature: FeatureModel, context: V3Context) -> dict[str, Any]:
    """The full v3 `Remote` body `{label, <one key>: {...}}` (RemoteRequestError if v3 cannot carry it)."""
    if not isinstance(label, str) or not label:
        raise RemoteRequestError("a remote needs a non-empty label")
    if not isinstance(feature, FeatureModel):
        raise RemoteRequestError(f"{type(feature).__name__} is not a remote feature")
    return {"label": label, **feature.v3_action(context)}


@dataclass(frozen=True)
class V3Remote:
    """A v3 `Remote` body read strictly: its label, its action key and the feature it asks for."""

    label: str | None
    key: str
    feature: FeatureModel

    @property
    def remote_type(self) -> str:
        """The RemoteType the vendor answers in the 202."""
        return self.feature.v3_response_type


def read_v3_remote(body: Any) -> V3Remote:
    """Strictly read a v3 `Remote` body (RemoteBodyError naming the path when the vendor would refuse it)."""
    top = closed_object(body, "body", ("label", *BY_V3_KEY))
    label = text(top["label"], "label") if "label" in top else None
    key = only_one(top, "body", tuple(BY_V3_KEY))
    try:
        feature = BY_V3_KEY[key].read_v3(top[key], key)
    except RemoteRequestError as exc:  # a rule the model enforces (unique slots, ranges...)
        raise RemoteBodyError(f"{key}: {exc}") from None
    return V3Remote(label=label, key=key, feature=feature)
