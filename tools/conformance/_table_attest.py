"""Table rows: allowlist globs, key algorithms, key ids, payloads, notes,
several attestors, several keys and signatures, freshness."""

from __future__ import annotations

from datetime import timedelta

from _build import ATTESTORS, DENY, PROJECT, REG, Att, Row, policy, require
from _requests import pod

from kritis_sim.model.attestor import SignatureAlgorithm as Alg

APP = f"{REG}/app@@app"
S15 = "wire-formats.md 1.5"
S22 = "wire-formats.md 2.2"
S23 = "wire-formats.md 2.3-2.4"
S52 = "wire-formats.md 5.2"
S14 = "wire-formats.md 1.4 step 5"
ALLOWLIST = (
    f"{REG}/nginx*",
    f"{REG}/tools/**",
    f"{REG}/exact",
    "docker.io/library/busybox*",
    "localhost:5000/app*",
)
AL = policy(DENY, allow=ALLOWLIST)


def _allow(name: str, image: str, allowed: bool, checks: str) -> Row:
    return Row(name, checks, S15, AL, pod(image), allowed, features=("allowlist",))


ROWS: list[Row] = [
    _allow("allowlist_star_tag", f"{REG}/nginx:1.25", True, "'nginx*' matches the repository with a tag"),
    _allow("allowlist_star_digest", f"{REG}/nginx@@n", True, "'nginx*' matches the repository with a digest"),
    _allow("allowlist_star_name_suffix", f"{REG}/nginx-debug:1", True, "'nginx*' matches a longer name in the same directory"),
    _allow("allowlist_star_not_cross_slash_deny", f"{REG}/nginx-images/nginx:1", False, "a trailing '*' never matches '/'"),
    _allow("allowlist_star_not_cross_slash_digest_deny", f"{REG}/nginx/sub@@n", False, "a trailing '*' never matches '/', with a digest"),
    _allow("allowlist_doublestar_crosses_slash", f"{REG}/tools/a/b/c:1", True, "a trailing '**' matches across '/'"),
    _allow("allowlist_doublestar_direct_child", f"{REG}/tools/kubectl@@k", True, "'**' matches a direct child"),
    _allow("allowlist_doublestar_sibling_prefix_deny", f"{REG}/toolsx/kubectl:1", False, "'tools/**' does not match 'toolsx/...'"),
    _allow("allowlist_exact_match", f"{REG}/exact", True, "a wildcard-free pattern matches exactly that image string"),
    _allow("allowlist_exact_lookalike_longer_name_deny", f"{REG}/exact-evil:1", False, "a wildcard-free pattern is not a prefix"),
    _allow("allowlist_exact_lookalike_child_deny", f"{REG}/exact/evil:1", False, "a wildcard-free pattern does not cover children"),
    _allow("allowlist_lookalike_registry_deny", "gcr.io.evil.com/conformance/nginx:1", False, "a look-alike registry host is not the registry"),
    _allow("allowlist_lookalike_project_deny", "gcr.io/conformance-evil/nginx:1", False, "a look-alike project is not the project"),
    _allow("allowlist_dockerhub_short_name", "busybox:1.36", True, "a Docker Hub short name matches its normalised pattern"),
    _allow("allowlist_dockerhub_other_user_deny", "evil/busybox:1.36", False, "docker.io/evil/busybox is not docker.io/library/busybox"),
    _allow("allowlist_registry_port", "localhost:5000/app:1", True, "a registry with a port matches"),
    _allow("allowlist_registry_other_port_deny", "localhost:5001/app:1", False, "the port is part of the registry"),
    Row("allowlist_empty_default_applies_deny", "no allowlist: the default rule applies", S15, policy(DENY), pod(f"{REG}/nginx:1"), False),
    Row("allowlist_before_specific_rule", "the allowlist exempts before any specific rule", "wire-formats.md 1.4 step 2", policy(DENY, allow=ALLOWLIST, ns={"prod": DENY}), pod(f"{REG}/nginx:1", ns="prod"), True, features=("allowlist", "namespace-rules")),
    Row("allowlist_exempts_tag_under_require", "allowlisted images need no attestation, even by tag", "wire-formats.md 1.4 step 2", policy(require(), allow=ALLOWLIST), pod(f"{REG}/nginx:1"), True, features=("allowlist",)),
    Row("allowlist_one_of_two_images_deny", "every image must pass; one exemption is not enough", S15, AL, pod(f"{REG}/nginx:1", APP), False, features=("allowlist",)),
]

# -- every key algorithm: a good signature admits, another key's signature does not
for _short, _spec in ATTESTORS.items():
    if not _short.startswith("alg-"):
        continue
    _alg = _spec.keys[0].alg
    _feat = ("pkix-ecdsa",) if _alg.value.startswith("ECDSA") else ("pkix-rsa",)
    _base = _short.removeprefix("alg-").replace("-", "_")
    ROWS.append(Row(f"alg_{_base}", f"a {_alg.value} signature by the attestor's key verifies", S23, policy(require(_short)), pod(APP), True, (Att(APP, _short),), features=_feat))
    ROWS.append(Row(f"alg_{_base}_other_key_deny", f"a {_alg.value} signature by another key, claiming the attestor's key id, fails", S23, policy(require(_short)), pod(APP), False, (Att(APP, _short, key=("other", _alg), key_id="@0"),), features=_feat))

ROWS += [
    Row("alg_alias_ec_sign_p256", "the alias EC_SIGN_P256_SHA256 means ECDSA_P256_SHA256", S23, policy(require("alias-ec")), pod(APP), True, (Att(APP, "alias-ec"),), features=("pkix-ecdsa",)),
    Row("alg_alias_rsa_sign_pss_2048", "the alias RSA_SIGN_PSS_2048_SHA256 means RSA_PSS_2048_SHA256", S23, policy(require("alias-pss")), pod(APP), True, (Att(APP, "alias-pss"),), features=("pkix-rsa",)),
    Row("alg_pkcs1_signature_under_pss_key_deny", "the key's declared algorithm (PSS) is used, not the signature's (PKCS#1)", S23, policy(require("alg-rsa-pss-2048-sha256")), pod(APP), False, (Att(APP, "alg-rsa-pss-2048-sha256", alg=Alg.RSA_SIGN_PKCS1_2048_SHA256),), features=("pkix-rsa",)),
    Row("alg_pss_signature_under_pkcs1_key_deny", "the key's declared algorithm (PKCS#1) is used, not the signature's (PSS)", S23, policy(require("alg-rsa-sign-pkcs1-2048-sha256")), pod(APP), False, (Att(APP, "alg-rsa-sign-pkcs1-2048-sha256", alg=Alg.RSA_PSS_2048_SHA256),), features=("pkix-rsa",)),
    Row("alg_sha512_signature_under_sha256_key_deny", "the declared hash is used (SHA-256 key, SHA-512 signature)", S23, policy(require("alg-rsa-pss-4096-sha256")), pod(APP), False, (Att(APP, "alg-rsa-pss-4096-sha256", alg=Alg.RSA_PSS_4096_SHA512),), features=("pkix-rsa",)),
    Row("alg_rsa_pss_max_salt", "RSA-PSS signatures with the maximum salt length (Kritis' signer) verify", S23, policy(require("alg-rsa-pss-2048-sha256")), pod(APP), True, (Att(APP, "alg-rsa-pss-2048-sha256", pss_max_salt=True),), features=("pkix-rsa",)),
    # key ids
    Row("keyid_default_rfc6920", "the default ni:///sha-256; key id matches", S22, policy(require()), pod(APP), True, (Att(APP),)),
    Row("keyid_custom_uri", "a caller-chosen URI key id matches exactly", S22, policy(require("custom")), pod(APP), True, (Att(APP, "custom"),)),
    Row("keyid_unknown_deny", "a valid signature under an unknown key id is rejected", S22, policy(require()), pod(APP), False, (Att(APP, key_id="ni:///sha-256;unknown"),)),
    Row("keyid_case_differs_deny", "key ids compare exactly (case matters)", S22, policy(require("custom")), pod(APP), False, (Att(APP, "custom", key_id="HTTPS://KEYS.EXAMPLE.COM/CUSTOM-1"),)),
    Row("keyid_trailing_space_deny", "key ids compare exactly (whitespace matters)", S22, policy(require("custom")), pod(APP), False, (Att(APP, "custom", key_id="https://keys.example.com/custom-1 "),)),
    Row("keyid_swapped_between_keys_deny", "a signature by key 1 labelled with key 2's id does not verify", S22, policy(require("multi")), pod(APP), False, (Att(APP, "multi", key=0, key_id="@1"),)),
    Row("keyid_other_attestors_key_deny", "another attestor's key is not trusted", S22, policy(require("qa")), pod(APP), False, (Att(APP, "build", note=f"{PROJECT}/notes/qa"),)),
    # payload and digest
    Row("digest_mismatch_deny", "the signed docker-manifest-digest must equal the image digest", S52 + " step 5", policy(require()), pod(APP), False, (Att(APP, payload_image=f"{REG}/app@@other"),)),
    Row("digest_mismatch_other_repo_deny", "a payload for another image and digest does not count", S52 + " step 5", policy(require()), pod(APP), False, (Att(APP, payload_image=f"{REG}/other@@other"),)),
    Row("payload_other_repo_same_digest", "GCP mode: only the digest is compared, not docker-reference", S52 + " step 6", policy(require()), pod(APP), True, (Att(APP, payload_image=f"{REG}/mirror@@app"),)),
    Row("payload_kritis_compact_form", "Kritis' compact payload (type 'atomic container signature') verifies", "wire-formats.md 5.1", policy(require()), pod(APP), True, (Att(APP, payload=b"KRITIS"),)),
    Row("payload_tampered_deny", "the signature covers the exact serializedPayload bytes", "wire-formats.md 2.4", policy(require()), pod(APP), False, (Att(APP, corrupt="tamper"),)),
    Row("payload_not_json_deny", "a signed payload that is not JSON is unusable", S52 + " step 5", policy(require()), pod(APP), False, (Att(APP, payload=b"not json"),)),
    Row("signature_flipped_bit_deny", "a corrupted signature does not verify", S52, policy(require()), pod(APP), False, (Att(APP, corrupt="flip"),)),
    Row("signature_truncated_deny", "a truncated signature does not verify", S52, policy(require()), pod(APP), False, (Att(APP, corrupt="truncate"),)),
    Row("signature_none_deny", "an occurrence without signatures verifies nothing", S52, policy(require()), pod(APP), False, (Att(APP, corrupt="nosig"),)),
    Row("resource_uri_other_digest_deny", "an attestation stored under another digest is not found", S52 + " step 2", policy(require()), pod(APP), False, (Att(f"{REG}/app@@other", payload_image=APP),)),
    # notes
    Row("wrong_note_deny", "the occurrence must hang off the attestor's note", S52 + " step 2", policy(require()), pod(APP), False, (Att(APP, note=f"{PROJECT}/notes/unrelated"),)),
    Row("wrong_note_other_attestors_note_deny", "an occurrence on another attestor's note does not count", S52 + " step 2", policy(require("qa")), pod(APP), False, (Att(APP, note=f"{PROJECT}/notes/build"),)),
    Row("wrong_note_other_project_deny", "a note of the same id in another project is another note", S52 + " step 2", policy(require()), pod(APP), False, (Att(APP, note="projects/elsewhere/notes/qa"),)),
    # several attestors: all required
    Row("attestors_two_both", "every listed attestor is satisfied", S14, policy(require("qa", "build")), pod(APP), True, (Att(APP), Att(APP, "build"))),
    Row("attestors_two_first_missing_deny", "AND across attestors: the first is missing", S14, policy(require("qa", "build")), pod(APP), False, (Att(APP, "build"),)),
    Row("attestors_two_second_missing_deny", "AND across attestors: the second is missing", S14, policy(require("qa", "build")), pod(APP), False, (Att(APP),)),
    Row("attestors_two_none_deny", "neither attestor satisfied", S14, policy(require("qa", "build")), pod(APP), False),
    Row("attestors_three_all", "three attestors, all satisfied", S14, policy(require("qa", "build", "sec")), pod(APP), True, (Att(APP), Att(APP, "build"), Att(APP, "sec")), features=("pkix-ecdsa",)),
    Row("attestors_one_occurrence_signed_for_both_deny", "one occurrence on qa's note signed by both keys does not satisfy build", S14, policy(require("qa", "build")), pod(APP), False, (Att(APP, extra=(Att(APP, "build"),)),)),
    Row("attestor_without_keys_deny", "an attestor with no public keys verifies nothing", "wire-formats.md 2.1", policy(require("empty")), pod(APP), False, (Att(APP, "empty", key=("qa", Alg.ECDSA_P256_SHA256)),)),
    # several keys and signatures: any one suffices
    Row("multikey_first_key", "a signature by the attestor's first key", S14, policy(require("multi")), pod(APP), True, (Att(APP, "multi", key=0),)),
    Row("multikey_second_key", "a signature by the attestor's second key (RSA)", S14, policy(require("multi")), pod(APP), True, (Att(APP, "multi", key=1),), features=("pkix-rsa",)),
    Row("multisig_bad_then_good", "one good signature suffices even after a bad one", S14, policy(require()), pod(APP), True, (Att(APP, corrupt="flip", extra=(Att(APP),)),)),
    Row("multisig_good_then_bad", "one good signature suffices even before a bad one", S14, policy(require()), pod(APP), True, (Att(APP, extra=(Att(APP, corrupt="flip"),)),)),
    Row("multisig_unknown_then_good", "an unknown key id next to a good signature", S14, policy(require()), pod(APP), True, (Att(APP, key_id="ni:///sha-256;unknown", extra=(Att(APP),)),)),
    Row("multisig_all_bad_deny", "every signature bad", S14, policy(require()), pod(APP), False, (Att(APP, corrupt="flip", extra=(Att(APP, corrupt="truncate"),)),)),
    Row("multioccurrence_bad_then_good", "one valid occurrence among invalid ones suffices", S14, policy(require()), pod(APP), True, (Att(APP, corrupt="flip"), Att(APP))),
    Row("multioccurrence_all_bad_deny", "several occurrences, none valid", S14, policy(require()), pod(APP), False, (Att(APP, corrupt="flip"), Att(APP, payload_image=f"{REG}/app@@other"))),
]

# -- freshness (kritis-sim extension kritisSimMaxAttestationAge)
_F = ("freshness",)
_FR = "docs/architecture.md (kritisSimMaxAttestationAge)"
_H = timedelta(hours=1)
ROWS += [
    Row("freshness_recent", "an attestation younger than the limit admits", _FR, policy(require(max_age="24h")), pod(APP), True, (Att(APP, age=_H),), features=_F),
    Row("freshness_too_old_deny", "an attestation older than the limit is refused", _FR, policy(require(max_age="24h")), pod(APP), False, (Att(APP, age=48 * _H),), features=_F),
    Row("freshness_just_inside", "23 hours old under a 24h limit", _FR, policy(require(max_age="24h")), pod(APP), True, (Att(APP, age=23 * _H),), features=_F),
    Row("freshness_old_and_recent", "one fresh attestation among stale ones suffices", _FR, policy(require(max_age="24h")), pod(APP), True, (Att(APP, age=72 * _H), Att(APP, age=_H)), features=_F),
    Row("freshness_days_unit_deny", "a '7d' limit refuses an 8-day-old attestation", _FR, policy(require(max_age="7d")), pod(APP), False, (Att(APP, age=192 * _H),), features=_F),
    Row("freshness_no_limit_old", "without a limit age does not matter", _FR, policy(require()), pod(APP), True, (Att(APP, age=24 * 365 * _H),), features=_F),
    Row("freshness_specific_rule_limit_deny", "a namespace rule's own limit applies", _FR, policy(require(), ns={"prod": require(max_age="1h")}), pod(APP, ns="prod"), False, (Att(APP, age=2 * _H),), features=(*_F, "namespace-rules")),
    Row("freshness_default_limit_not_inherited", "the default rule's limit does not apply under a specific rule", _FR, policy(require(max_age="1h"), ns={"prod": require()}), pod(APP, ns="prod"), True, (Att(APP, age=2 * _H),), features=(*_F, "namespace-rules")),
    Row("freshness_one_attestor_stale_deny", "with two attestors each needs a fresh attestation", _FR, policy(require("qa", "build", max_age="24h")), pod(APP), False, (Att(APP, age=_H), Att(APP, "build", age=30 * _H)), features=_F),
]
