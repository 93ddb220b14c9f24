"""Property tests: every generated policy survives dump -> load unchanged."""

from __future__ import annotations

import datetime
import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from kritis_sim.model.durations import (
    DurationSyntaxError,
    format_duration,
    parse_duration,
)
from kritis_sim.model.patterns import NamePattern
from kritis_sim.model.policy import (
    AdmissionRule,
    EnforcementMode,
    EvaluationMode,
    GlobalPolicyEvaluationMode,
    Policy,
    load_policy,
)

_label = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)
_attestor = st.builds(lambda p, a: f"projects/{p}/attestors/{a}", _label, _label)
_age = st.none() | st.integers(1, 10**7).map(lambda s: datetime.timedelta(seconds=s))


@st.composite
def _rules(draw: st.DrawFn) -> AdmissionRule:
    mode = draw(st.sampled_from([m for m in EvaluationMode if m.number]))
    attestors: tuple[str, ...] = ()
    if mode is EvaluationMode.REQUIRE_ATTESTATION:
        attestors = tuple(
            draw(st.lists(_attestor, min_size=1, max_size=3, unique=True))
        )
    return AdmissionRule(
        evaluation_mode=mode,
        enforcement_mode=draw(
            st.sampled_from([m for m in EnforcementMode if m.number])
        ),
        require_attestations_by=attestors,
        max_attestation_age=draw(_age),
        max_attestation_age_by_attestor=tuple(
            (name, age)
            for name in draw(st.lists(st.sampled_from(attestors), unique=True))
            if attestors and (age := draw(_age)) is not None
        )
        if attestors
        else (),
    )


_keys = {
    "cluster_admission_rules": st.builds(
        lambda r, z, c: f"{r}{z}.{c}",
        st.sampled_from(["us-central1", "europe-west4", "northamerica-northeast1"]),
        st.sampled_from(["", "-a", "-b"]),
        _label,
    ),
    "kubernetes_namespace_admission_rules": st.from_regex(
        r"[a-z.-]{1,12}", fullmatch=True
    ),
    "kubernetes_service_account_admission_rules": st.builds(
        lambda n, s: f"{n}:{s}", _label, _label
    ),
    "istio_service_identity_admission_rules": st.builds(
        lambda scheme, d, n, s: f"{scheme}{d}/ns/{n}/sa/{s}",
        st.sampled_from(["", "spiffe://"]),
        st.sampled_from(["example.com", "cluster.local"]),
        _label,
        _label,
    ),
}
_patterns = st.builds(
    lambda host, path, wild: NamePattern.parse(f"{host}/{path}{wild}"),
    st.sampled_from(["gcr.io", "docker.io", "us-docker.pkg.dev"]),
    _label,
    st.sampled_from(["", "*", "**", ":1.0"]),
)
#: Text YAML can carry (YAML refuses control characters, surrogates, U+FFFE/FFFF).
_text = st.none() | st.text(
    st.characters(exclude_categories=("Cc", "Cs", "Cn")), max_size=20
)


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    maps = {}
    which = draw(st.sampled_from([None, *_keys]))
    if which is not None:
        maps[which] = draw(st.dictionaries(_keys[which], _rules(), max_size=3))
    return Policy(
        default_admission_rule=draw(_rules()),
        name=draw(st.none() | _label.map(lambda p: f"projects/{p}/policy")),
        description=draw(_text),
        global_policy_evaluation_mode=draw(st.sampled_from(GlobalPolicyEvaluationMode)),
        admission_whitelist_patterns=tuple(draw(st.lists(_patterns, max_size=3))),
        etag=draw(_text),
        update_time=draw(st.none() | st.just("2024-05-01T12:00:00Z")),
        **maps,
    )


@given(policies())
def test_policy_round_trip_through_dict(policy: Policy) -> None:
    assert Policy.from_dict(policy.to_dict(), strict=False) == policy


@given(policies())
def test_policy_round_trip_through_yaml_and_json(policy: Policy) -> None:
    doc = policy.to_dict()
    assert load_policy(yaml.safe_dump(doc)) == policy
    # ensure_ascii=False: PyYAML leaves JSON surrogate-pair escapes of astral
    # characters unjoined (a kritis_sim._yaml gap, reported separately).
    assert load_policy(json.dumps(doc, ensure_ascii=False)) == policy
    assert load_policy(yaml.safe_dump(doc)).to_dict() == doc


@given(st.integers(min_value=1, max_value=100 * 365 * 86_400))
def test_duration_format_then_parse_is_the_same_duration(seconds: int) -> None:
    value = datetime.timedelta(seconds=seconds)
    text = format_duration(value)
    assert parse_duration(text) == value
    assert "day" not in text and ":" not in text


def test_duration_with_an_absurd_number_of_digits_is_a_syntax_error() -> None:
    with pytest.raises(DurationSyntaxError, match="expected a duration"):
        parse_duration("1" * 5000 + "h")
