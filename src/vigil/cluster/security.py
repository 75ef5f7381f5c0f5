"""What a pod can do to its node and what it holds: the security-relevant part of a pod spec.

Scheduling ignores these fields, but risk-based isolation, the auditor and the admission rules
judge a pod by them: a privileged container, a host namespace or a hostPath volume is a way out
of the container onto the node; a mounted Secret is something an attacker who gets in can take.
Values are kept as written (``None`` when unset) so that callers apply upstream defaults
themselves, e.g. a container's ``runAsUser`` overrides the pod's.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT_UID = 0


@dataclass(frozen=True, slots=True)
class SecurityContext:
    """``containers[*].securityContext``, the fields that widen what a container may do."""

    privileged: bool | None = None
    allow_privilege_escalation: bool | None = None
    run_as_user: int | None = None
    run_as_non_root: bool | None = None
    capabilities_add: tuple[str, ...] = ()
    read_only_root_filesystem: bool | None = None


@dataclass(frozen=True, slots=True)
class ContainerSecurity:
    """One container (app, init or ephemeral) with its security context and secret references."""

    name: str
    context: SecurityContext = SecurityContext()
    secret_refs: tuple[str, ...] = ()
    """Secrets read through ``env[*].valueFrom.secretKeyRef`` or ``envFrom[*].secretRef``."""


@dataclass(frozen=True, slots=True)
class Volume:
    """``spec.volumes[*]``: its name, source type and what it exposes."""

    name: str
    source: str
    """The volume source key as written: ``hostPath``, ``secret``, ``projected``, ``emptyDir``..."""
    host_path: str = ""
    secret_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PodSecurity:
    """The pod-level security fields plus each container's."""

    host_network: bool = False
    host_pid: bool = False
    host_ipc: bool = False
    run_as_user: int | None = None
    run_as_non_root: bool | None = None
    containers: tuple[ContainerSecurity, ...] = ()
    volumes: tuple[Volume, ...] = ()
    service_account_name: str = ""

    @property
    def host_namespaces(self) -> tuple[str, ...]:
        """The host namespaces the pod shares, by field name."""
        flags = (
            ("hostNetwork", self.host_network),
            ("hostPID", self.host_pid),
            ("hostIPC", self.host_ipc),
        )
        return tuple(name for name, on in flags if on)

    @property
    def host_paths(self) -> tuple[str, ...]:
        """Paths of the node's filesystem mounted into the pod."""
        return tuple(v.host_path for v in self.volumes if v.source == "hostPath")

    @property
    def privileged_containers(self) -> tuple[str, ...]:
        """Names of containers that run privileged."""
        return tuple(c.name for c in self.containers if c.context.privileged)

    @property
    def added_capabilities(self) -> tuple[str, ...]:
        """Every capability added by some container, upper-cased, without ``CAP_``, sorted."""
        caps = {
            cap.upper().removeprefix("CAP_")
            for c in self.containers
            for cap in c.context.capabilities_add
        }
        return tuple(sorted(caps))

    @property
    def secret_names(self) -> tuple[str, ...]:
        """Every Secret the pod reads, through volumes or the environment, sorted."""
        names = {n for v in self.volumes for n in v.secret_names}
        names.update(n for c in self.containers for n in c.secret_refs)
        return tuple(sorted(names))

    def root_containers(self) -> tuple[str, ...]:
        """Containers that may run as root: no ``runAsNonRoot``, no non-zero ``runAsUser``.

        A container's own settings override the pod's; an unset user means the image decides,
        which is root for most images, so it counts as root unless ``runAsNonRoot`` holds.
        """
        out = []
        for c in self.containers:
            user = c.context.run_as_user if c.context.run_as_user is not None else self.run_as_user
            non_root = (
                c.context.run_as_non_root
                if c.context.run_as_non_root is not None
                else self.run_as_non_root
            )
            if user == ROOT_UID or (user is None and not non_root):
                out.append(c.name)
        return tuple(out)
