"""Table rows: occurrences in the forms real stores and clients produce, and
every unit of kritisSimMaxAttestationAge just inside and just outside its limit.

Each row's occurrence declares its wire form (``form`` in world.yaml) and its
README says why the case exists and where the form comes from. Every row is
caught by a defect of ``kritis_sim/conformance/defects_wire.py`` that no older
case catches.
"""

from __future__ import annotations

from datetime import timedelta

from _build import REG, Att, Row, policy, require
from _requests import pod

APP = f"{REG}/app@@app"
_H = timedelta(hours=1)
_M = timedelta(minutes=1)
_S = timedelta(seconds=1)
_WF = "wire-formats.md 6.2 and richer-attestations.md 1"
_FR = "docs/architecture.md (kritisSimMaxAttestationAge)"
_F = ("freshness",)


def _why(why: str, source: str) -> tuple[str, ...]:
    return (f"Why: {why}", f"Source of the form: {source}")


_GCLOUD = (
    "gcloud 528 `container binauthz attestations create` stores the artifact URL "
    "without a scheme (richer-attestations.md section 1: `resourceUri` \"without "
    "scheme [code]\"), while Kritis and the API docs use `https://`; "
    "docs/conformance.md, \"Wire forms\", says why the suite takes the gcloud reading."
)
_INT_ENUM = (
    "the `grafeas` Python client asks for `$alt=json;enum-encoding=int`, so "
    "stores and proxies speaking to it carry `kind: 7` (wire-formats.md 6.6)."
)
_OFFSET = (
    "RFC 3339 allows a numeric offset and proto3 JSON parsers accept one; "
    "stores fed by hand or by non-Go tooling hold such times (wire-formats.md 6.2 "
    "describes UTC `Z` as what Google writes, not what every store holds)."
)
_NANOS = (
    "Grafeas and Go write `Timestamp` values with up to 9 fractional digits "
    "(wire-formats.md 6.2); Python's `datetime` holds 6."
)

ROWS: list[Row] = [
    Row("form_gcloud_resource_uri", "an attestation stored with a scheme-less resourceUri, as gcloud writes it, is found", _WF, policy(require()), pod(APP), True, (Att(APP, resource=APP, form=("gcloud-resource-uri",)),), notes=_why("an enforcer that looks up only `https://IMAGE` denies every image attested with gcloud.", _GCLOUD)),
    Row("form_int_enum_kind", "an occurrence whose kind is the integer enum 7 is an attestation", _WF, policy(require()), pod(APP), True, (Att(APP, kind=7, form=("int-enum-kind",)),), notes=_why("an enforcer comparing `kind` with the string `ATTESTATION` ignores occurrences that carry the integer enum.", _INT_ENUM)),
    Row("form_offset_east_stale_deny", "createTime with +02:00: 25 hours old under a 24h limit (read as UTC it looks 23 hours old)", _FR, policy(require(max_age="24h")), pod(APP), False, (Att(APP, age=25 * _H, offset="+02:00", form=("offset-timestamps",)),), features=_F, notes=_why("an enforcer that drops the offset reads a stale attestation as fresh.", _OFFSET)),
    Row("form_offset_west_fresh", "createTime with -05:00: 20 hours old under a 24h limit (read as UTC it looks 25 hours old)", _FR, policy(require(max_age="24h")), pod(APP), True, (Att(APP, age=20 * _H, offset="-05:00", form=("offset-timestamps",)),), features=_F, notes=_why("an enforcer that drops the offset refuses a fresh attestation.", _OFFSET)),
    Row("form_nanosecond_fresh", "createTime with 9 fractional digits, 23 hours old under a 24h limit, counts", _FR, policy(require(max_age="24h")), pod(APP), True, (Att(APP, age=23 * _H, fraction="123456789", form=("nanosecond-timestamps",)),), features=_F, notes=_why("a parser limited to microseconds (strptime's `%f`, `fromisoformat` before Python 3.11) fails on nanoseconds and loses the attestation.", _NANOS)),
    Row("form_nanosecond_stale_deny", "createTime .999999999 at 24h05m old under a 24h limit is stale (the fraction is under a second)", _FR, policy(require(max_age="24h")), pod(APP), False, (Att(APP, age=24 * _H + 5 * _M + _S, fraction="999999999", form=("nanosecond-timestamps",)),), features=_F, notes=_why("reading the 9 digits as a count of microseconds moves the time 1000 s later and makes a stale attestation fresh.", _NANOS)),
]

# -- every unit of the limit, one minute inside and one minute outside
_UNITS = (
    ("s", "5400s", 90 * _M, "limit-in-whole-hours reads it as 1h"),
    ("m", "150m", 150 * _M, "limit-in-whole-hours reads it as 2h"),
    ("h", "36h", 36 * _H, "limit-in-whole-days reads it as 1d"),
    ("d", "3d", 72 * _H, "days-read-as-hours reads it as 3h"),
)
for _unit, _limit, _span, _bug in _UNITS:
    _source = f"the limit is written in the `{_unit}` unit (model/durations.py: units d, h, m, s)"
    ROWS.append(Row(f"freshness_unit_{_unit}_just_inside", f"a '{_limit}' limit admits an attestation one minute younger than it", _FR, policy(require(max_age=_limit)), pod(APP), True, (Att(APP, age=_span - _M),), features=_F, notes=_why(f"an enforcer that converts the `{_unit}` unit wrongly or coarsely refuses it ({_bug}).", _source)))
    ROWS.append(Row(f"freshness_unit_{_unit}_just_outside_deny", f"a '{_limit}' limit refuses an attestation one minute older than it", _FR, policy(require(max_age=_limit)), pod(APP), False, (Att(APP, age=_span + _M),), features=_F, notes=_why("an enforcer that compares whole hours of age (or rounds the limit up) admits it.", _source)))
