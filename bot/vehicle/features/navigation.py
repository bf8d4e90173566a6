"""Navigation: send points to the vehicle's navigation system."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Self

from pydantic import model_validator

from bot.vehicle.features.base import FeatureModel, RemoteRequestError, V1Names, V3Context, V3Names
from bot.vehicle.features.strict import array, closed_object, integer, number, one_of, text

_PLACE_KEYS = ("address", "placeid", "name", "category", "description", "phoneNumber", "url")
_ADDRESS_KEYS = ("houseNumber", "postalCode", "streetName", "cityName", "countryName", "provinceName")


class Navigation(FeatureModel):
    """Send 1 to 10 (latitude, longitude) points to the navigation system; the last is the destination."""

    name: ClassVar[str] = "Navigation"
    v1: ClassVar[V1Names] = V1Names(key="navigation", remote_type="Navigation")
    v3: ClassVar[V3Names | None] = V3Names(
        key="navigation", remote_type="Navigation", capability_keys=("navigation",)
    )
    positions: tuple[tuple[float, float], ...]

    @model_validator(mode="after")
    def _check(self) -> Self:
        if not 1 <= len(self.positions) <= 10:
            raise RemoteRequestError("navigation takes 1 to 10 points")
        for lat, lon in self.positions:
            if not (math.isfinite(lat) and -90 <= lat <= 90):
                raise RemoteRequestError(f"latitude {lat} is out of range (-90 to 90)")
            if not (math.isfinite(lon) and -180 <= lon <= 180):
                raise RemoteRequestError(f"longitude {lon} is out of range (-180 to 180)")
        return self

    def v1_action(self) -> dict[str, Any]:
        """GeoJSON Feature Points, coordinates in [longitude, latitude] order."""
        positions = [{"type": "Feature", "geometry": _point(lat, lon)} for lat, lon in self.positions]
        return {"navigation": {"positions": positions}}

    @classmethod
    def read_v1(cls, value: Any, path: str) -> Self:
        """The v1 navigation object: 1 to 10 GeoJSON points (place details checked, not kept)."""
        navigation = closed_object(value, path, {"positions"}, {"positions"})
        items = array(navigation["positions"], f"{path}.positions", 1, 10)
        return cls(positions=tuple(_position(item, f"{path}.positions[{i}]") for i, item in enumerate(items)))

    def v3_action(self, context: V3Context) -> dict[str, Any]:
        """GeoJSON Points themselves (no Feature wrapper), coordinates in [longitude, latitude] order."""
        points = [_point(lat, lon) for lat, lon in self.positions]
        return {"navigation": {"positions": points}}

    @classmethod
    def read_v3(cls, value: Any, path: str) -> Self:
        """The v3 navigation object: 1 to 10 GeoJSON Points (the deprecated `driverApproval` is refused)."""
        navigation = closed_object(value, path, {"positions"}, {"positions"})
        items = array(navigation["positions"], f"{path}.positions", 1, 10)
        return cls(
            positions=tuple(_coordinates(item, f"{path}.positions[{i}]") for i, item in enumerate(items))
        )


def _point(lat: float, lon: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def _place(value: Any, path: str) -> None:
    place = closed_object(value, path, _PLACE_KEYS)
    for key in _PLACE_KEYS[2:]:
        if key in place:
            text(place[key], f"{path}.{key}")
    if "placeid" in place:
        integer(place["placeid"], f"{path}.placeid", -(2**63), 2**63 - 1)
    if "address" in place:
        address = closed_object(place["address"], f"{path}.address", _ADDRESS_KEYS)
        for key, item in address.items():
            if key == "postalCode":
                integer(item, f"{path}.address.postalCode", 0, 2**63 - 1)
            else:
                text(item, f"{path}.address.{key}")


def _position(value: Any, path: str) -> tuple[float, float]:
    position = closed_object(value, path, ("type", "geometry", "properties"), ("geometry",))
    one_of(position.get("type", "Feature"), f"{path}.type", ("Feature",))
    if "properties" in position:
        _place(position["properties"], f"{path}.properties")
    return _coordinates(position["geometry"], f"{path}.geometry")


def _coordinates(value: Any, path: str) -> tuple[float, float]:
    """A GeoJSON Point: its (latitude, longitude); an altitude is checked, not kept."""
    geometry = closed_object(value, path, ("type", "coordinates"), ("type", "coordinates"))
    one_of(geometry["type"], f"{path}.type", ("Point",))
    coordinates = array(geometry["coordinates"], f"{path}.coordinates", 2, 3)
    lon, lat = (number(item, f"{path}.coordinates[{i}]") for i, item in enumerate(coordinates[:2]))
    if len(coordinates) == 3:
        number(coordinates[2], f"{path}.coordinates[2]")
    return lat, lon
