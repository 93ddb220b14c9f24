"""simpleSigningAttestationCheck: a valid attestation passes; an invalid signature, a key
no authenticator has, another image's digest, an unlisted project, no projects, a tag-only
image are NON_CONFORMANT with the key ids tried; default key ids; store failure is ERROR."""

from __future__ import annotations

import dataclasses
from typing import Any

from kritis_sim.core.platform.occurrences import InMemoryPlatformOccurrences
from kritis_sim.core.platform.signing import key_id
from kritis_sim.crypto.sign import sign
from kritis_sim.errors import GrafeasError
from kritis_sim.model.attestor import PkixPublicKey
from kritis_sim.model.occurrence import AttestationOccurrence, Signature
from kritis_sim.model.platform.results import Verdict
from tests.unit.core.platform_world import (
    ALG,
    DIGEST,
    IMAGE,
    OTHER_DIGEST,
    attestation,
    check_outcome,
    evaluate,
    key,
    pkix,
    pkix_dict,
    policy,
)

C, E, N = Verdict.CONFORMANT, Verdict.ERROR, Verdict.NON_CONFORMANT
KID = "//cloudkms.googleapis.com/v1/projects/k/locations/global/keyRings/r/cryptoKeys/c/cryptoKeyVersions/1"


def _check(
    *keys: dict[str, Any], projects: tuple[str, ...] = ("projects/my-proj",)
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "attestationAuthenticators": [
            {"displayName": "a", "pkixPublicKeySet": {"pkixPublicKeys": list(keys)}}
        ]
    }
    if projects:
        body["containerAnalysisAttestationProjects"] = list(projects)
    return {"simpleSigningAttestationCheck": body}


def test_valid_attestation_passes() -> None:
    verdict, why = check_outcome(
        _check(pkix_dict("signer", KID)), attestation(key_id=KID)
    )
    assert verdict is C, why
    assert KID in why


def test_default_key_id_is_the_der_digest() -> None:
    default = key_id(pkix("signer"))
    assert default.startswith("ni:///sha-256;")
    # make_attestation records the default id when none is given
    assert check_outcome(_check(pkix_dict("signer")), attestation())[0] is C


def test_other_key_is_non_conformant_and_names_the_ids_tried() -> None:
    verdict, why = check_outcome(
        _check(pkix_dict("signer", KID)), attestation("mallory")
    )
    assert verdict is N
    assert "which no authenticator has" in why
    assert f"key ids tried: {KID}" in why


def test_forged_signature_under_a_trusted_id_is_non_conformant() -> None:
    forged = attestation("mallory", key_id=KID)
    verdict, why = check_outcome(_check(pkix_dict("signer", KID)), forged)
    assert verdict is N
    assert "does not verify with key" in why


def test_tampered_payload_is_non_conformant() -> None:
    occ = attestation(key_id=KID)
    tampered = dataclasses.replace(
        occ, serialized_payload=occ.serialized_payload + b" "
    )
    assert check_outcome(_check(pkix_dict("signer", KID)), tampered)[0] is N


def test_attestation_for_another_digest_is_non_conformant() -> None:
    other = f"us-docker.pkg.dev/my-proj/repo/app@{OTHER_DIGEST}"
    occ = dataclasses.replace(
        attestation(image=other, key_id=KID),
        resource_uri="https://" + other.replace(OTHER_DIGEST, "sha256:" + "a" * 64),
    )
    verdict, why = check_outcome(_check(pkix_dict("signer", KID)), occ)
    assert verdict is N
    assert "signed payload names digest" in why


def test_any_key_of_any_authenticator_is_enough() -> None:
    check = _check(pkix_dict("x", "urn:id:x"), pkix_dict("signer", KID))
    check["simpleSigningAttestationCheck"]["attestationAuthenticators"].insert(
        0, {"pkixPublicKeySet": {"pkixPublicKeys": [pkix_dict("y", "urn:id:y")]}}
    )
    bad = attestation("mallory", key_id="urn:id:y")
    two_sigs = dataclasses.replace(
        attestation(key_id=KID),
        signatures=(
            Signature(b"junk", "urn:id:x"),
            *attestation(key_id=KID).signatures,
        ),
    )
    assert check_outcome(check, bad, two_sigs)[0] is C


def test_only_listed_projects_count() -> None:
    elsewhere = attestation(key_id=KID, project="projects/elsewhere")
    verdict, why = check_outcome(_check(pkix_dict("signer", KID)), elsewhere)
    assert verdict is N
    assert "no ATTESTATION occurrence" in why
    listed = _check(
        pkix_dict("signer", KID), projects=("projects/my-proj", "projects/elsewhere")
    )
    assert check_outcome(listed, elsewhere)[0] is C


def test_no_projects_listed_is_non_conformant() -> None:
    verdict, why = check_outcome(
        _check(pkix_dict("signer", KID), projects=()), attestation(key_id=KID)
    )
    assert verdict is N
    assert why == (
        "no containerAnalysisAttestationProjects are listed; kritis-sim reads "
        "attestations only from listed projects, so none was found"
    )


def test_tag_only_image_is_non_conformant() -> None:
    verdict, why = check_outcome(
        _check(pkix_dict("signer", KID)), image="us-docker.pkg.dev/my-proj/repo/app:v1"
    )
    assert verdict is N
    assert "not pinned by a sha256 digest" in why


class _Failing(InMemoryPlatformOccurrences):
    def attestations(self, project: str, resource_url: str) -> Any:
        raise GrafeasError("timeout")


def test_store_error_is_error_and_no_source_is_error() -> None:
    check = policy(_check(pkix_dict("signer", KID)))
    failed = evaluate(check, _Failing([attestation(key_id=KID)]))
    assert failed.verdict is E
    result = failed.results[0].image_results[0].check_set_result
    assert result is not None
    assert result.check_results[0].explanation == (
        "could not read ATTESTATION occurrences from projects/my-proj: timeout; "
        "failing closed"
    )
    assert evaluate(check, None).verdict is E


def test_precedence_non_conformant_over_error_over_conformant() -> None:
    signing = _check(pkix_dict("signer", KID))
    no_scan = {
        "vulnerabilityCheck": {
            "maximumFixableSeverity": "ALLOW_ALL",
            "maximumUnfixableSeverity": "ALLOW_ALL",
        }
    }
    store = InMemoryPlatformOccurrences([attestation(key_id=KID)])
    # CONFORMANT signing + ERROR vulnerability (no scan): ERROR
    assert evaluate(policy(signing, no_scan), store).verdict is E
    # NON_CONFORMANT signing (nothing signed) + ERROR vulnerability: NON_CONFORMANT
    empty = InMemoryPlatformOccurrences()
    response = evaluate(policy(no_scan, signing), empty)
    assert response.verdict is N
    pod = response.results[0]
    assert pod.verdict is N and pod.image_results[0].verdict is N
    result = pod.image_results[0].check_set_result
    assert result is not None
    assert [c.verdict for c in result.check_results] == [E, N]
    # both CONFORMANT: CONFORMANT
    assert evaluate(policy(signing), store).verdict is C


# Exact explanations, and which failure "closest" names (issue 16). Occurrence
# names are set so that, were two failure ranks equal, the name order would pick
# the other attempt: each test then fails when a rank is changed.
WHERE = "projects/my-proj"
TRIED = f"key ids tried: {KID}"


def _named(occ: AttestationOccurrence, name: str, **kw: Any) -> AttestationOccurrence:
    return dataclasses.replace(occ, name=f"{WHERE}/occurrences/{name}", **kw)


def _signed(payload: bytes, name: str) -> AttestationOccurrence:
    """An attestation whose signature by 'signer' verifies over ``payload``."""
    occ = attestation(key_id=KID)
    sig = Signature(sign(key("signer"), ALG, payload), KID)
    return _named(occ, name, serialized_payload=payload, signatures=(sig,))


def _other_digest(name: str) -> AttestationOccurrence:
    """Signed for the image's repository at another digest, stored under the image."""
    occ = attestation(image=IMAGE.replace(DIGEST, OTHER_DIGEST), key_id=KID)
    return _named(occ, name, resource_uri="https://" + IMAGE)


def _why(*occurrences: AttestationOccurrence, **kw: Any) -> str:
    verdict, why = check_outcome(_check(pkix_dict("signer", KID), **kw), *occurrences)
    assert verdict is N, why
    return why


def _closest(why: str) -> str:
    head = f"no attestation in {WHERE} verified ("
    assert why.startswith(head) and why.endswith(f"; {TRIED}"), why
    return why.split("; closest: ", 1)[1].removesuffix(f"; {TRIED}")


def test_explanations_name_each_failure_exactly() -> None:
    occ = attestation(key_id=KID)
    unsigned = _named(occ, "z", signatures=())
    assert _why(unsigned) == (
        f"no attestation in {WHERE} verified (1 tried); closest: "
        f"{WHERE}/occurrences/z has no signatures; {TRIED}"
    )
    unknown = _named(occ, "a", signatures=(Signature(b"x", "urn:other"),))
    assert _closest(_why(unknown)) == (
        f"{WHERE}/occurrences/a: signature names key id 'urn:other', which no "
        "authenticator has (ids must match exactly)"
    )
    forged = _named(occ, "a", signatures=(Signature(b"x", KID),))
    assert _closest(_why(forged)) == (
        f"{WHERE}/occurrences/a: signature does not verify with key {KID!r} "
        "(ECDSA_P256_SHA256)"
    )
    unusable = _closest(_why(_signed(b"not json", "a")))
    assert unusable.startswith(f"{WHERE}/occurrences/a: signed payload is unusable: ")
    assert len(unusable) > len(f"{WHERE}/occurrences/a: signed payload is unusable: ")
    assert _closest(_why(_other_digest("a"))) == (
        f"{WHERE}/occurrences/a: signed payload names digest {OTHER_DIGEST!r}, "
        f"the image has {DIGEST!r}"
    )
    assert check_outcome(_check(pkix_dict("signer", KID)), _named(occ, "a")) == (
        C,
        f"attestation {WHERE}/occurrences/a verified with key {KID!r} "
        "(ECDSA_P256_SHA256)",
    )


def test_no_occurrence_names_the_image_and_every_project() -> None:
    projects = (WHERE, "projects/other")
    assert _why(projects=projects) == (
        f"no ATTESTATION occurrence for {IMAGE} in {WHERE}, projects/other; {TRIED}"
    )


def test_an_unnamed_occurrence_is_labelled_by_its_resource() -> None:
    occ = dataclasses.replace(attestation(key_id=KID), name=None, signatures=())
    store = InMemoryPlatformOccurrences([occ], project=WHERE)
    response = evaluate(policy(_check(pkix_dict("signer", KID))), store)
    result = response.results[0].image_results[0].check_set_result
    assert result is not None
    why = result.check_results[0].explanation or ""
    assert f"closest: {occ.resource_uri} has no signatures" in why


def test_closest_is_the_attempt_that_came_furthest() -> None:
    occ = attestation(key_id=KID)
    unsigned = _named(occ, "z", signatures=())
    unknown = _named(occ, "a", signatures=(Signature(b"x", "urn:other"),))
    assert "which no authenticator has" in _closest(_why(unsigned, unknown))
    # one occurrence, two signatures: an unknown id and a known id that fails
    both = _named(occ, "a", signatures=(Signature(b"x", "urn:o"), Signature(b"x", KID)))
    assert "does not verify" in _closest(_why(both))
    forged = _named(occ, "z", signatures=(Signature(b"x", KID),))
    unusable = _signed(b"not json", "a")
    assert "payload is unusable" in _closest(_why(forged, unusable))
    assert "names digest" in _closest(_why(_signed(b"[]", "z"), _other_digest("a")))


def test_an_unsigned_occurrence_does_not_stop_the_search() -> None:
    occ = attestation(key_id=KID)
    unsigned = _named(occ, "a", signatures=())
    verdict, why = check_outcome(
        _check(pkix_dict("signer", KID)), unsigned, _named(occ, "b")
    )
    assert verdict is C, why


def test_keys_sharing_an_id_are_all_tried() -> None:
    check = _check(pkix_dict("signer", KID), pkix_dict("other", KID))
    assert check_outcome(check, attestation(key_id=KID))[0] is C
    forged = _named(attestation("mallory", key_id=KID), "a")
    why = check_outcome(check, forged)[1]
    assert (
        f"does not verify with key {KID!r} (ECDSA_P256_SHA256/ECDSA_P256_SHA256)" in why
    )


def test_an_unloadable_key_without_id_has_a_placeholder_id() -> None:
    assert key_id(PkixPublicKey("not a PEM key", ALG)) == "<unloadable key>"


def test_each_image_is_named_in_its_own_explanation() -> None:
    # Two images with no attestation read the same (empty) occurrences; each
    # explanation still names its own image.
    other = IMAGE.replace(DIGEST, OTHER_DIGEST)
    response = evaluate(
        policy(_check(pkix_dict("signer", KID))),
        InMemoryPlatformOccurrences(),
        [IMAGE, other],
    )
    whys = []
    for image in response.results[0].image_results:
        assert image.check_set_result is not None
        whys.append(image.check_set_result.check_results[0].explanation)
    assert whys == [
        f"no ATTESTATION occurrence for {image} in {WHERE}; {TRIED}"
        for image in (IMAGE, other)
    ]
