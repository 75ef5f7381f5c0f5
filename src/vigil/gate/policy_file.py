"""The policy file of a gate that learns locally: read it, notice edits, never write over them.

An operator edits the policy file while the gate runs (a mode, a route, an allowed value). The
gate must neither lose that edit when it saves what it learned nor keep judging with the old
file. So the gate remembers the fingerprint (inode, size, modification time and content digest)
of the file as it last read or wrote it: a save happens only when the file on disk is still
exactly that one, and a file that changed is read again first (:meth:`PolicyFile.changed`).
A file that does not validate leaves the last good policy in use; the error names the file and
field. The learning statistics are kept beside the policy (``policy.stats.json``, a versioned
snapshot), so a restart continues learning where it stopped instead of starting again.

The window between the last check and the atomic rename of a save is a stat, a read and a
rename; an editor that writes inside it loses the race to the gate. That window is the only one.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from vigil.behavior.policy import Policy, PolicyError, load_policy


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What identifies one version of a file: cheap stat fields, then its content digest."""

    inode: int
    size: int
    mtime_ns: int
    digest: str

    def same_stat(self, stat: os.stat_result) -> bool:
        """True when ``stat`` shows the same file, size and modification time."""
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns) == (
            self.inode,
            self.size,
            self.mtime_ns,
        )


def fingerprint(path: Path) -> Fingerprint | None:
    """The fingerprint of ``path`` now, or None when it does not exist."""
    try:
        stat = path.stat()
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return Fingerprint(
        stat.st_ino, stat.st_size, stat.st_mtime_ns, hashlib.sha256(data).hexdigest()
    )


def statistics_path_for(policy_path: Path) -> Path:
    """Where the statistics of a policy file are kept: ``policy.yaml`` -> ``policy.stats.json``."""
    return policy_path.with_name(f"{policy_path.stem}.stats.json")


class SaveOutcome(StrEnum):
    """What :meth:`PolicyFile.save` did."""

    SAVED = "saved"
    EDITED = "edited"
    """The file changed since the gate read or wrote it: nothing was written."""


class ReloadOutcome(StrEnum):
    """What reading the policy file again did (the ``result`` label of
    ``vigil_policy_reloads_total``)."""

    LOADED = "loaded"
    UNCHANGED = "unchanged"
    """The file holds the policy already in use: nothing was swapped."""
    INVALID = "invalid"
    """The new policy did not validate; the last good one stays in use."""
    MISSING = "missing"
    """The file is gone; the last good policy stays in use."""
    NO_FILE = "no-file"
    """The gate has no policy file."""


@dataclass(frozen=True, slots=True)
class Reloaded:
    """The result of one reload, with a reason a person can read."""

    outcome: ReloadOutcome
    reason: str

    @property
    def loaded(self) -> bool:
        """True when the file's policy is in use (newly swapped in, or already)."""
        return self.outcome in {ReloadOutcome.LOADED, ReloadOutcome.UNCHANGED}


@dataclass(frozen=True, slots=True)
class Saved:
    """The result of a save, with a reason a person can read."""

    outcome: SaveOutcome
    reason: str

    @property
    def saved(self) -> bool:
        """True when the policy was written."""
        return self.outcome is SaveOutcome.SAVED


class PolicyFile:
    """One policy file as the gate knows it; not thread-safe (the core serialises its calls)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.known: Fingerprint | None = None
        """The file as last read (valid) or written by the gate; None: absent then."""
        self.rejected: Fingerprint | None = None
        """The last version of the file that did not validate (reported once, never written
        over: it is an operator's edit in progress)."""

    def load(self) -> Policy | None:
        """Read and validate the file (None when absent); remembers what was read.

        Raises :class:`PolicyError` naming the file and field; that version is remembered as
        rejected, so it is reported once and not again at every check.
        """
        seen = fingerprint(self.path)
        if seen is None:
            self.known = None
            return None
        try:
            policy = load_policy(self.path)
        except PolicyError:
            self.rejected = seen
            raise
        self.known, self.rejected = seen, None
        return policy

    def _differs(self, reference: Fingerprint | None) -> tuple[bool, Fingerprint | None]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return reference is not None, None
        if reference is not None and reference.same_stat(stat):
            return False, reference
        now = fingerprint(self.path)
        if now is None:
            return reference is not None, None
        return reference is None or now.digest != reference.digest, now

    def edited(self) -> bool:
        """True when the file differs from what the gate last read or wrote (content only)."""
        differs, now = self._differs(self.known)
        if not differs and now is not None and self.known is not None:
            self.known = now
        return differs

    def changed(self) -> bool:
        """True when the file was edited into a version not already reported as invalid.

        A file whose stat changed but whose content did not (``touch``, a rewrite with the same
        bytes) is not a change.
        """
        if not self.edited():
            return False
        if self.rejected is None:
            return True
        differs, _ = self._differs(self.rejected)
        return differs

    def save(self, policy: Policy) -> Saved:
        """Write ``policy`` atomically unless the file was edited since the gate last saw it.

        The new text is written and synced to a unique temporary file first; the edit check
        runs just before the rename, so the window in which an edit can be lost is as short as
        a stat, a read and a rename. An edited file, valid or not, is never written over.
        """
        path = self.path
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(policy.to_yaml())
                out.flush()
                os.fsync(out.fileno())
            if self.edited():
                Path(tmp).unlink(missing_ok=True)
                return Saved(
                    SaveOutcome.EDITED,
                    f"{path} was edited since the gate read it; kept the edit, wrote nothing",
                )
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.known = fingerprint(path)
        return Saved(SaveOutcome.SAVED, f"{path}: version {policy.version} saved")

    @property
    def statistics_path(self) -> Path:
        """Where the learning statistics are kept beside the policy (``policy.stats.json``)."""
        return statistics_path_for(self.path)

    def save_statistics(self, data: bytes) -> None:
        """Write a statistics snapshot atomically beside the policy (the gate's own file)."""
        target = self.statistics_path
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def load_statistics(self) -> bytes | None:
        """The statistics snapshot beside the policy, or None when there is none."""
        try:
            return self.statistics_path.read_bytes()
        except FileNotFoundError:
            return None


__all__ = [
    "Fingerprint",
    "PolicyError",
    "PolicyFile",
    "ReloadOutcome",
    "Reloaded",
    "SaveOutcome",
    "Saved",
    "fingerprint",
    "statistics_path_for",
]
