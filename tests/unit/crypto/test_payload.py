"""make_payload reproduces gcloud byte for byte; parse_payload checks shape only."""

from __future__ import annotations

import json
import subprocess

import pytest

from kritis_sim.crypto.payload import (
    GCLOUD_PAYLOAD_TYPE,
    SigningPayload,
    artifact_url,
    make_payload,
    parse_payload,
)
from kritis_sim.errors import ImageRefError, OccurrenceError
from kritis_sim.model.imageref import ImageRef

from .conftest import DIGEST, GCLOUD_PAYLOADS

GCLOUD_CASES = json.loads((GCLOUD_PAYLOADS / "cases.json").read_text())["cases"]


@pytest.mark.parametrize("case", GCLOUD_CASES, ids=lambda c: c["file"])
def test_make_payload_equals_committed_gcloud_output(case: dict[str, str]) -> None:
    expected = (GCLOUD_PAYLOADS / case["file"]).read_bytes()
    assert make_payload(case["artifact_url"]) == expected


def test_make_payload_documented_example_is_319_bytes() -> None:
    url = (
        "us-docker.pkg.dev/google-samples/containers/gke/hello-app@sha256:"
        "37e5287945774f27b418ce567cd77f4bbc9ef44a1bcd1a2312369f31f9cce567"
    )
    payload = make_payload(url)
    assert len(payload) == 319
    assert payload.endswith(b"}\n")


@pytest.mark.gcloud
@pytest.mark.parametrize(
    "url",
    [
        f"gcr.io/p/img@{DIGEST}",
        f"https://gcr.io/p/img:v1.2@{DIGEST}",
        f"docker.io/nginx@{DIGEST}",
        f"europe-docker.pkg.dev/p/repo/sub/img@{DIGEST}",
    ],
)
def test_make_payload_equals_live_gcloud(
    gcloud: tuple[str, dict[str, str]], url: str
) -> None:
    exe, env = gcloud
    out = subprocess.run(
        [
            exe,
            "container",
            "binauthz",
            "create-signature-payload",
            f"--artifact-url={url}",
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=120,
    ).stdout
    assert make_payload(url) == out


def test_make_payload_accepts_imageref_and_keeps_name_as_written() -> None:
    ref = ImageRef.parse(f"docker.io/nginx:1@{DIGEST}")
    doc = json.loads(make_payload(ref))
    assert doc["critical"]["identity"]["docker-reference"] == "docker.io/nginx"
    assert doc["critical"]["image"]["docker-manifest-digest"] == DIGEST
    assert doc["critical"]["type"] == GCLOUD_PAYLOAD_TYPE


def test_make_payload_keeps_registry_port() -> None:
    doc = json.loads(make_payload(f"localhost:5000/a/b:t@{DIGEST}"))
    assert doc["critical"]["identity"]["docker-reference"] == "localhost:5000/a/b"


@pytest.mark.parametrize(
    ("image", "message"),
    [
        ("gcr.io/p/img:tag", "must be fully qualified"),
        ("gcr.io/p/img", "must be fully qualified"),
        (f"nginx@{DIGEST}", "registry domain must be specified"),
        (f"localhost/foo@{DIGEST}", "registry domain must be specified"),
        ("gcr.io/p/img@sha512:" + "a" * 128, "Invalid digest"),
        ("gcr.io/p/img@sha256:abc", "digest"),
        ("", "empty"),
    ],
)
def test_make_payload_refuses(image: str, message: str) -> None:
    with pytest.raises(ImageRefError, match=message):
        make_payload(image)


def test_artifact_url_strips_any_scheme() -> None:
    assert artifact_url("https://gcr.io/p/i") == "gcr.io/p/i"
    assert artifact_url("http://gcr.io/p/i") == "gcr.io/p/i"
    assert artifact_url("localhost:5000/p/i") == "localhost:5000/p/i"


def test_parse_payload_reads_gcloud_payload() -> None:
    parsed = parse_payload(make_payload(f"gcr.io/p/img@{DIGEST}"))
    assert parsed == SigningPayload("gcr.io/p/img", DIGEST, GCLOUD_PAYLOAD_TYPE, None)


def test_parse_payload_reads_kritis_compact_payload_and_optional() -> None:
    data = (
        '{"critical":{"identity":{"docker-reference":"gcr.io/p/img"},'
        f'"image":{{"docker-manifest-digest":"{DIGEST}"}},'
        '"type":"atomic container signature"},"optional":{"creator":"x","timestamp":1}}'
    ).encode()
    parsed = parse_payload(data)
    assert parsed.type == "atomic container signature"
    assert parsed.optional == {"creator": "x", "timestamp": 1}
    assert hash(parsed) == hash(SigningPayload("gcr.io/p/img", DIGEST, parsed.type))


def test_parse_payload_does_not_require_type() -> None:
    data = json.dumps(
        {
            "critical": {
                "identity": {"docker-reference": "r"},
                "image": {"docker-manifest-digest": "d"},
            }
        }
    ).encode()
    assert parse_payload(data).type is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"not json", "not valid JSON"),
        (b"[]", "must be a JSON object"),
        (b"{}", "missing critical"),
        (b'{"critical": {"image": {}}}', "missing critical.identity"),
        (
            b'{"critical": {"identity": {}, "image": {}}}',
            "critical.identity.docker-reference",
        ),
        (
            b'{"critical": {"identity": {"docker-reference": "r"}, "image": {}}}',
            "critical.image.docker-manifest-digest",
        ),
        (
            b'{"critical": {"identity": {"docker-reference": 5}, "image": {}}}',
            "must be a string",
        ),
        (b'{"critical": {"identity": [], "image": {}}}', "must be an object"),
        (b'{"critical": {}, "critical": {}}', "duplicate key"),
        (b'{"critical": NaN}', "NaN"),
        (
            b'{"critical": {"identity": {"docker-reference": "r"}, '
            b'"image": {"docker-manifest-digest": "d"}, "type": 1}}',
            "critical.type must be a string",
        ),
    ],
)
def test_parse_payload_refuses(data: bytes, message: str) -> None:
    with pytest.raises(OccurrenceError, match=message):
        parse_payload(data)
