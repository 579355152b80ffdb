"""Pydantic models of what Jamf sends. `extra="allow"`: fields a newer server adds pass through."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class JamfModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def to_dict(self) -> dict:
        """Plain data in Jamf's own shape, for rendering (only the keys the server sent)."""
        try:
            return self.model_dump(mode="json", exclude_unset=True)
        except ValueError:  # pydantic refuses data nested past its serialisation depth
            from jamfctl.errors import ServerError

            raise ServerError("the server sent a record nested too deeply to show") from None


class RemoteManagement(JamfModel):
    managed: bool | None = None


class ComputerGeneral(JamfModel):
    name: str | None = None
    lastContact: str | None = None
    reportDate: str | None = None
    managementId: str | None = None
    remoteManagement: RemoteManagement | None = None
    supervised: bool | None = None


class ComputerHardware(JamfModel):
    serialNumber: str | None = None
    model: str | None = None
    modelIdentifier: str | None = None


class ComputerOperatingSystem(JamfModel):
    name: str | None = None
    version: str | None = None
    build: str | None = None


class ComputerUserAndLocation(JamfModel):
    username: str | None = None
    realname: str | None = None
    email: str | None = None


class ComputerInventory(JamfModel):
    id: str
    udid: str | None = None
    general: ComputerGeneral | None = None
    hardware: ComputerHardware | None = None
    operatingSystem: ComputerOperatingSystem | None = None
    userAndLocation: ComputerUserAndLocation | None = None

    @property
    def serial(self) -> str | None:
        return self.hardware.serialNumber if self.hardware else None


