"""PodSecurity: derived views (host namespaces, paths, capabilities, secrets, root containers)."""

from __future__ import annotations

import pytest

from vigil.cluster.security import ContainerSecurity, PodSecurity, SecurityContext, Volume


def _pod(*contexts: SecurityContext, **pod: object) -> PodSecurity:
    containers = tuple(ContainerSecurity(f"c{i}", ctx) for i, ctx in enumerate(contexts))
    return PodSecurity(containers=containers, **pod)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("security", "root"),
    [
        (_pod(SecurityContext()), ("c0",)),
        (_pod(SecurityContext(run_as_user=0), run_as_non_root=True), ("c0",)),
        (_pod(SecurityContext(), run_as_non_root=True), ()),
        (_pod(SecurityContext(), run_as_user=1000), ()),
        (_pod(SecurityContext(run_as_user=0), run_as_user=1000), ("c0",)),
        (_pod(SecurityContext(run_as_non_root=False), run_as_non_root=True), ("c0",)),
        (_pod(SecurityContext(run_as_user=1000), SecurityContext()), ("c1",)),
    ],
)
def test_root_containers_follow_container_over_pod(
    security: PodSecurity, root: tuple[str, ...]
) -> None:
    assert security.root_containers() == root


def test_derived_views() -> None:
    security = PodSecurity(
        host_network=True,
        host_ipc=True,
        containers=(
            ContainerSecurity(
                "a", SecurityContext(privileged=True, capabilities_add=("net_admin",))
            ),
            ContainerSecurity(
                "b", SecurityContext(capabilities_add=("CAP_SYS_ADMIN", "NET_ADMIN")), ("db",)
            ),
        ),
        volumes=(
            Volume("h", "hostPath", host_path="/var/run/docker.sock"),
            Volume("s", "secret", secret_names=("tls",)),
            Volume("p", "projected", secret_names=("db", "api")),
            Volume("e", "emptyDir"),
        ),
    )
    assert security.host_namespaces == ("hostNetwork", "hostIPC")
    assert security.host_paths == ("/var/run/docker.sock",)
    assert security.privileged_containers == ("a",)
    assert security.added_capabilities == ("NET_ADMIN", "SYS_ADMIN")
    assert security.secret_names == ("api", "db", "tls")


def test_nothing_set_means_nothing_derived() -> None:
    security = PodSecurity()
    assert security.host_namespaces == ()
    assert security.host_paths == ()
    assert security.privileged_containers == ()
    assert security.added_capabilities == ()
    assert security.secret_names == ()
