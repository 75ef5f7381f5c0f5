"""``vigil admission review``: real AdmissionReview files in, the response out."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import yaml
from click.testing import CliRunner

from tests.admission.builders import CLASSES, pod, review_doc
from vigil.cli.main import cli


def _files(tmp_path: Path, review: dict[str, object]) -> tuple[str, str]:
    req = tmp_path / "request.yaml"
    req.write_text(yaml.safe_dump(review), encoding="utf-8")
    cluster = tmp_path / "cluster.yaml"
    cluster.write_text(CLASSES, encoding="utf-8")
    return str(req), str(cluster)


def test_review_prints_the_response(tmp_path: Path) -> None:
    req, cluster = _files(
        tmp_path,
        review_doc(
            "Pod", pod("nginx", "dev", priorityClassName="dev-pc", priority=7), namespace="dev"
        ),
    )
    result = CliRunner().invoke(
        cli, ["admission", "review", req, "--cluster", cluster, "--explain"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["response"]["allowed"] is False
    assert doc["response"]["status"]["code"] == 403
    assert doc["response"]["status"]["message"] == (
        'pods "nginx" is forbidden: the integer value of priority (7) must not be provided in pod '
        "spec; priority admission controller computed 1000000 from the given PriorityClass name"
    )
    assert "decided by: Priority" in result.stderr


def test_review_with_policy_and_json_request(tmp_path: Path) -> None:
    review = review_doc("Pod", pod("nginx", "dev", priorityClassName="prod-pc"), namespace="dev")
    req = tmp_path / "r.json"
    req.write_text(json.dumps(review), encoding="utf-8")
    policy = tmp_path / "p.yaml"
    policy.write_text("priority: {namespaces: {dev: [dev-pc]}}\n", encoding="utf-8")
    cluster = tmp_path / "c.yaml"
    cluster.write_text(CLASSES, encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["admission", "review", str(req), "--cluster", str(cluster), "--policy", str(policy)]
    )
    doc = json.loads(result.stdout)
    assert "VA008 namespace-priority-class" in doc["response"]["status"]["message"]


def test_bad_request_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["admission", "review", str(bad)])
    assert result.exit_code == 2
    assert "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview" in result.output
    garbled = tmp_path / "g.yaml"
    garbled.write_text("{not: [json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["admission", "review", str(garbled)])
    assert result.exit_code == 2
    assert "not JSON or YAML" in result.output
    two = tmp_path / "two.yaml"
    two.write_text(yaml.safe_dump(review_doc("Pod", pod("a", "dev"))) + "---\nkind: X\n")
    result = CliRunner().invoke(cli, ["admission", "review", str(two)])
    assert result.exit_code == 2
    assert "expected one AdmissionReview document, found 2" in result.output
    bomb = tmp_path / "bomb.yaml"
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    bomb.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(cli, ["admission", "review", str(bomb)])
    assert result.exit_code == 2
    assert "document contains excessive aliasing" in result.output


def test_serve_refuses_bad_certificates_and_listen(tmp_path: Path) -> None:
    cert = tmp_path / "c.pem"
    cert.write_text("not a certificate", encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["admission", "serve", "--tls-cert", str(cert), "--tls-key", str(cert)]
    )
    assert result.exit_code == 2
    assert "cannot load the TLS certificate and key" in result.output
    result = CliRunner().invoke(
        cli,
        ["admission", "serve", "--tls-cert", str(cert), "--tls-key", str(cert), "--listen", "nope"],
    )
    assert result.exit_code == 2
    assert "--listen: expected HOST:PORT" in result.output


def test_serve_listen_errors_are_one_line(tmp_path: Path) -> None:
    from tests.webhook.test_server import make_certificate

    cert, key = make_certificate(tmp_path)
    base = ["admission", "serve", "--tls-cert", str(cert), "--tls-key", str(key), "--listen"]
    for listen, message in [
        ("127.0.0.1:²", "--listen: expected HOST:PORT"),
        ("127.0.0.1:٨٤٤٣", "--listen: expected HOST:PORT"),
        ("no-such-host.invalid:8443", "--listen no-such-host.invalid:8443: cannot listen"),
    ]:
        result = CliRunner().invoke(cli, [*base, listen])
        assert result.exit_code == 2, listen
        assert message in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, [*base, f"127.0.0.1:{port}"])
    assert result.exit_code == 2
    assert f"--listen 127.0.0.1:{port}: cannot listen" in result.output
