"""Decoding of the security-relevant fields of a pod spec into `PodSecurity`."""

from __future__ import annotations

from vigil.cluster.reader import Fields
from vigil.cluster.security import ContainerSecurity, PodSecurity, SecurityContext, Volume

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _context(f: Fields | None) -> SecurityContext:
    if f is None:
        return SecurityContext()
    caps = f.obj("capabilities")
    return SecurityContext(
        privileged=f.boolean("privileged") if f.has("privileged") else None,
        allow_privilege_escalation=(
            f.boolean("allowPrivilegeEscalation") if f.has("allowPrivilegeEscalation") else None
        ),
        run_as_user=f.opt_int("runAsUser"),
        run_as_non_root=f.boolean("runAsNonRoot") if f.has("runAsNonRoot") else None,
        capabilities_add=caps.strs("add") if caps is not None else (),
        read_only_root_filesystem=(
            f.boolean("readOnlyRootFilesystem") if f.has("readOnlyRootFilesystem") else None
        ),
    )


def _secret_refs(f: Fields) -> tuple[str, ...]:
    names: list[str] = []
    for env in f.objs("env"):
        source = env.obj("valueFrom")
        ref = source.obj("secretKeyRef") if source is not None else None
        if ref is not None and ref.string("name"):
            names.append(ref.string("name"))
    for env_from in f.objs("envFrom"):
        ref = env_from.obj("secretRef")
        if ref is not None and ref.string("name"):
            names.append(ref.string("name"))
    return tuple(names)


def _volume(f: Fields) -> Volume:
    name = f.string("name")
    sources = [k for k in f.data if k != "name" and f.data.get(k) is not None]
    source = str(sources[0]) if sources else ""
    if source == "hostPath":
        host = f.obj("hostPath")
        return Volume(name, source, host_path=host.string("path") if host else "")
    if source == "secret":
        secret = f.obj("secret")
        secret_name = secret.string("secretName") if secret else ""
        return Volume(name, source, secret_names=(secret_name,) if secret_name else ())
    if source == "projected":
        projected = f.obj("projected")
        names = []
        for src in projected.objs("sources") if projected else []:
            secret = src.obj("secret")
            if secret is not None and secret.string("name"):
                names.append(secret.string("name"))
        return Volume(name, source, secret_names=tuple(names))
    return Volume(name, source)


def decode_pod_security(f: Fields) -> PodSecurity:
    """The security fields of a pod spec (``f`` is the spec)."""
    pod_ctx = f.obj("securityContext")
    containers = tuple(
        ContainerSecurity(c.string("name"), _context(c.obj("securityContext")), _secret_refs(c))
        for key in _CONTAINER_LISTS
        for c in f.objs(key)
    )
    return PodSecurity(
        host_network=f.boolean("hostNetwork"),
        host_pid=f.boolean("hostPID"),
        host_ipc=f.boolean("hostIPC"),
        run_as_user=pod_ctx.opt_int("runAsUser") if pod_ctx is not None else None,
        run_as_non_root=(
            pod_ctx.boolean("runAsNonRoot")
            if pod_ctx is not None and pod_ctx.has("runAsNonRoot")
            else None
        ),
        containers=containers,
        volumes=tuple(_volume(v) for v in f.objs("volumes")),
        service_account_name=f.string("serviceAccountName"),
    )
