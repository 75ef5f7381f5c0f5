"""Plugin results: the upstream status codes and a status value carrying human reasons."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum


class Code(IntEnum):
    """``fwk.Code``: what a plugin's answer means to the scheduling cycle."""

    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    """The pod does not fit now, but preemption or cluster changes might make it fit."""
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    """The pod cannot fit this node whatever is removed from it: preemption skips the node."""
    WAIT = 4
    SKIP = 5
    """PreFilter/PreScore: the plugin has nothing to do for this pod; its Filter/Score is skipped."""


@dataclass(frozen=True, slots=True)
class Status:
    """A plugin result: a code, the reasons (shown in FitError messages), the plugin's name."""

    code: Code = Code.SUCCESS
    reasons: tuple[str, ...] = ()
    plugin: str = ""

    @staticmethod
    def unschedulable(*reasons: str) -> Status:
        """``Unschedulable`` with reasons."""
        return Status(Code.UNSCHEDULABLE, reasons)

    @staticmethod
    def unresolvable(*reasons: str) -> Status:
        """``UnschedulableAndUnresolvable`` with reasons."""
        return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, reasons)

    @staticmethod
    def error(message: str) -> Status:
        """``Error``: an internal failure, not a scheduling decision."""
        return Status(Code.ERROR, (message,))

    def is_success(self) -> bool:
        """Code ``Success``."""
        return self.code is Code.SUCCESS

    def is_skip(self) -> bool:
        """Code ``Skip``."""
        return self.code is Code.SKIP

    def is_rejected(self) -> bool:
        """``Unschedulable`` or ``UnschedulableAndUnresolvable``."""
        return self.code in (Code.UNSCHEDULABLE, Code.UNSCHEDULABLE_AND_UNRESOLVABLE)

    def message(self) -> str:
        """The reasons joined with ``", "`` (``Status.Message()``)."""
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> Status:
        """The same status attributed to ``plugin``."""
        return replace(self, plugin=plugin)


SUCCESS = Status()
SKIP = Status(Code.SKIP)
