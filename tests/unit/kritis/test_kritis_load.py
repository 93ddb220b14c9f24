"""Loading Kritis resources: Kritis' quirks, located errors, warnings, --strict."""

from __future__ import annotations

import pytest
import yaml

from kritis_sim.errors import KritisResourceError
from kritis_sim.model.kritis import load_kritis, load_kritis_text
from kritis_sim.model.kritis.resources import Severity, exceeds
from tests.unit.kritis.world import NOTE, aa, gap, isp, key, load


def _error(text: str, **kw: bool) -> KritisResourceError:
    with pytest.raises(KritisResourceError) as info:
        load_kritis_text(text, "p.yaml", **kw)
    return info.value


def test_all_four_kinds_from_one_multi_document_file() -> None:
    config = {
        "apiVersion": "kritis.grafeas.io/v1beta1",
        "kind": "KritisConfig",
        "metadata": {"name": "kritis-config"},
        "spec": {"cronInterval": "30m"},
    }
    r = load(aa(), gap(), isp(maximumSeverity="HIGH"), config)
    assert [a.name for a in r.authorities] == ["qa"]
    assert r.gaps("default")[0].attestation_authority_names == ("qa",)
    assert r.isps("default")[0].requirements.maximum_severity == "HIGH"
    assert (
        r.isps("default")[0].requirements.maximum_fix_unavailable_severity
        == "ALLOW_ALL"
    )
    assert r.config is not None and r.config.cron_interval == "30m"
    assert r.warnings == ()


def test_pgp_key_is_base64_of_armor_and_id_is_the_fingerprint() -> None:
    doc = aa()
    doc["spec"]["publicKeys"][0]["keyId"] = "0" * 40
    r = load(doc)
    fpr = r.authorities[0].keys[0].fingerprint
    assert len(fpr) == 40 and fpr == fpr.upper() and fpr != "0" * 40
    assert r.authority("default", "qa").as_attestor().public_keys[0].id == fpr  # type: ignore[union-attr]
    assert "is not this key's fingerprint" in r.warnings[0]


def test_armor_instead_of_base64_is_refused_with_a_hint() -> None:
    doc = aa()
    doc["spec"]["publicKeys"][0]["asciiArmoredPgpPublicKey"] = key()[1]
    err = _error(yaml.safe_dump(doc))
    assert "base64 of the armored key" in err.message
    assert err.path == "spec.publicKeys[0].asciiArmoredPgpPublicKey" and err.line


def test_spec_keys_are_case_insensitive_like_go() -> None:
    doc = isp()
    doc["spec"] = {"PackageVulnerabilityRequirements": {"MAXIMUMSEVERITY": "LOW"}}
    assert load(doc).isps("default")[0].requirements.maximum_severity == "LOW"


def test_two_spellings_of_one_field_are_refused() -> None:
    doc = isp()
    doc["spec"] = {"imageAllowlist": ["a"], "imageallowlist": ["b"]}
    assert "both set 'imageAllowlist'" in _error(yaml.safe_dump(doc)).message


def test_misspelled_field_warns_with_did_you_mean_and_strict_refuses() -> None:
    doc = isp()
    doc["spec"] = {"packageVulnerabilityPolicy": {"maximumSeverity": "LOW"}}
    text = yaml.safe_dump(doc)
    r = load_kritis_text(text, "p.yaml")
    assert r.isps("default")[0].requirements.maximum_severity == "CRITICAL"  # dropped
    (warning,) = r.warnings
    # the locator names the line of the value (a mapping: its first key)
    line = text.splitlines().index("    maximumSeverity: LOW") + 1
    assert warning.startswith(f"p.yaml:{line}: spec.packageVulnerabilityPolicy:")
    assert "did you mean 'packageVulnerabilityRequirements'?" in warning
    err = _error(text, strict=True)
    assert "--strict" in err.message and err.line == line


@pytest.mark.parametrize("value", ["high", "SEVERE", "4"])
def test_unknown_severity_is_refused(value: str) -> None:
    err = _error(yaml.safe_dump(isp(maximumSeverity=value)))
    assert "invalid max severity level" in err.message
    assert err.path == "spec.packageVulnerabilityRequirements.maximumSeverity"
    if value == "high":
        assert "did you mean 'HIGH'?" in err.message


def test_severities_compare_by_rank_not_as_strings() -> None:
    # as strings "LOW" > "HIGH" and "MEDIUM" > "CRITICAL"
    assert not exceeds(Severity.LOW, "HIGH")
    assert exceeds(Severity.CRITICAL, "MEDIUM")
    assert not exceeds(Severity.SEVERITY_UNSPECIFIED, "MINIMAL")
    assert exceeds(Severity.SEVERITY_UNSPECIFIED, "BLOCK_ALL")
    assert not exceeds(Severity.CRITICAL, "ALLOW_ALL")


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"apiVersion": "kritis.github.com/v1beta1"}, "kritis.github.com"),
        ({"kind": "BuildPolicy"}, "no CRD"),
        ({"kind": "ImageSecurityPolicys"}, "did you mean 'ImageSecurityPolicy'"),
        ({"metadata": {"name": "Bad_Name"}}, "DNS-1123"),
    ],
)
def test_bad_header_is_located(change: dict[str, object], expect: str) -> None:
    err = _error(yaml.safe_dump({**isp(), **change}))
    assert expect in err.message and err.source == "p.yaml" and err.line


def test_gap_without_authorities_and_bad_note_are_refused() -> None:
    assert (
        "did not specify any attestation authority"
        in _error(yaml.safe_dump(gap(aas=()))).message
    )
    assert (
        "invalid Note Reference" in _error(yaml.safe_dump(aa(note="notes/x"))).message
    )


def test_duplicates_and_two_configs_are_refused() -> None:
    assert "defined twice" in _error(yaml.safe_dump_all([isp(), isp()])).message
    cfg = {"apiVersion": "kritis.grafeas.io/v1beta1", "kind": "KritisConfig"}
    two = [{**cfg, "metadata": {"name": "a"}}, {**cfg, "metadata": {"name": "b"}}]
    assert "more than one KritisConfig" in _error(yaml.safe_dump_all(two)).message


def test_namespaced_resources_apply_to_their_namespace_only() -> None:
    r = load_kritis(
        [
            (yaml.safe_dump(isp(ns="prod")), "a.yaml"),
            (yaml.safe_dump({**isp("x"), "metadata": {"name": "x"}}), "b.yaml"),
        ],
        default_namespace="team",
    )
    assert [i.name for i in r.isps("prod")] == ["isp"]
    assert [i.name for i in r.isps("team")] == ["x"]
    assert r.isps("default") == ()


def test_pkix_key_loads_with_a_warning() -> None:
    doc = aa()
    doc["spec"]["publicKeys"] = [
        {
            "keyType": "PKIX",
            "pkixPublicKey": {
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----",
                "signatureAlgorithm": "ecdsa-p256-sha256",
            },
        }
    ]
    r = load(doc)
    assert r.authorities[0].pgp_keys == () and "PGP keys only" in r.warnings[0]


def test_providers_cve_prefix_warns() -> None:
    r = load(isp(allowlistCVEs=["providers/goog-vulnz/notes/CVE-2017-1000082"]))
    assert "never matches" in r.warnings[0]
    assert NOTE  # shared constant imported for the world


def test_wrapped_base64_is_read_and_a_keyring_of_two_is_refused() -> None:
    import base64
    import textwrap

    doc = aa()
    wrapped = "\n".join(textwrap.wrap(base64.b64encode(key()[1].encode()).decode(), 76))
    doc["spec"]["publicKeys"][0]["asciiArmoredPgpPublicKey"] = wrapped
    assert load(doc).authorities[0].keys[0].fingerprint
    two = base64.b64encode((key(0)[1] + key(1)[1]).encode()).decode()
    doc["spec"]["publicKeys"][0]["asciiArmoredPgpPublicKey"] = two
    err = _error(yaml.safe_dump(doc))
    assert "not a usable OpenPGP public key" in err.message
    assert err.path == "spec.publicKeys[0].asciiArmoredPgpPublicKey"
