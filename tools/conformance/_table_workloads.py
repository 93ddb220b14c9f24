"""Table rows: containers, controllers, breakglass, store faults, review versions."""

from __future__ import annotations

from _build import ALLOW, DENY, DRYRUN, REG, Att, Row, policy, require, rule
from _requests import controller, other_object, pod

APP = f"{REG}/app@@app"
SIDE = f"{REG}/sidecar@@side"
DBG = f"{REG}/debug@@dbg"
S74 = "wire-formats.md 7.4"
S3 = "wire-formats.md 3"
S14 = "wire-formats.md 1.4 step 6"
QA = (Att(APP),)
BG_LABEL = {"image-policy.k8s.io/break-glass": "true"}
BG_ALPHA = {"alpha.image-policy.k8s.io/break-glass": "true"}
BG_KRITIS = {"kritis.grafeas.io/breakglass": "incident-42"}
BG = ("breakglass",)
AUDIT_BG = {"break-glass": "true"}
STORE = ("store-faults",)
F503 = {"kind": "status", "status": 503}

ROWS: list[Row] = [
    # containers of one pod
    Row("containers_two_both_attested", "every container image attested", S74, policy(require()), pod(APP, SIDE), True, (Att(APP), Att(SIDE))),
    Row("containers_second_unattested_deny", "every container is checked, not just the first", S74 + "; " + S14, policy(require()), pod(APP, SIDE), False, QA),
    Row("containers_same_image_twice", "the same image twice", S74, policy(require()), pod(APP, APP), True, QA),
    Row("init_container_unattested_deny", "init containers are checked", S74, policy(require()), pod(APP, init=[SIDE]), False, QA, features=("init-containers",)),
    Row("init_container_attested", "attested init container and container", S74, policy(require()), pod(APP, init=[SIDE]), True, (Att(APP), Att(SIDE)), features=("init-containers",)),
    Row("init_sidecar_unattested_deny", "sidecars (init containers with restartPolicy Always) are checked", S74, policy(require()), pod(APP, init=[SIDE], sidecar=True), False, QA, features=("init-containers",)),
    Row("ephemeral_subresource_unattested_deny", "pods/ephemeralcontainers: the ephemeral container is checked", S74 + "; wire-formats.md 7.2", policy(require()), pod(APP, eph=[DBG], operation="UPDATE", sub="ephemeralcontainers"), False, QA, features=("ephemeral-containers",)),
    Row("ephemeral_subresource_attested", "pods/ephemeralcontainers with an attested debug image", S74, policy(require()), pod(APP, eph=[DBG], operation="UPDATE", sub="ephemeralcontainers"), True, (Att(APP), Att(DBG)), features=("ephemeral-containers",)),
    Row("ephemeral_in_pod_spec_unattested_deny", "ephemeral containers in a pod's spec are checked", S74, policy(require()), pod(APP, eph=[DBG], operation="UPDATE"), False, QA, features=("ephemeral-containers",)),
    Row("pod_status_subresource_not_applicable", "other subresources change no images and are admitted", "wire-formats.md 7.2", policy(DENY), pod(APP, operation="UPDATE", sub="status"), True),
    Row("pod_update_unattested_deny", "UPDATE is judged like CREATE", "wire-formats.md 7.2", policy(require()), pod(APP, operation="UPDATE"), False),
    Row("pod_delete_not_applicable", "DELETE starts nothing and is admitted", "wire-formats.md 7.1", policy(DENY), pod(APP, operation="DELETE"), True),
    Row("object_without_pod_template_not_applicable", "objects without a pod spec are admitted", "wire-formats.md 7.4", policy(DENY), other_object(), True),
    Row("admission_v1beta1_unattested_deny", "admission.k8s.io/v1beta1 reviews are judged (reply in v1beta1)", "wire-formats.md 7.1", policy(require()), pod(APP, api="admission.k8s.io/v1beta1"), False, features=("admission-v1beta1",)),
    Row("admission_v1beta1_attested", "admission.k8s.io/v1beta1 with an attested image", "wire-formats.md 7.1", policy(require()), pod(APP, api="admission.k8s.io/v1beta1"), True, QA, features=("admission-v1beta1",)),
]

# controllers: refused at creation with their Pods' verdict
for _kind in ("Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job", "CronJob", "ReplicationController", "PodTemplate"):
    _n = _kind.lower()
    ROWS.append(Row(f"controller_{_n}_unattested_deny", f"a {_kind}'s pod template is judged", S74, policy(require()), controller(_kind, APP), False, features=("controllers",)))
    ROWS.append(Row(f"controller_{_n}_attested", f"a {_kind} with attested images is admitted", S74, policy(require()), controller(_kind, APP), True, QA, features=("controllers",)))
ROWS += [
    Row("controller_deployment_init_unattested_deny", "a Deployment's init containers are judged", S74, policy(require()), controller("Deployment", APP, init=[SIDE]), False, QA, features=("controllers", "init-containers")),
    Row("controller_deployment_template_sa_rule_deny", "the pod template's service account selects the rule", S74 + "; wire-formats.md 1.4 step 4", policy(ALLOW, sa={"prod:deployer": DENY}), controller("Deployment", APP, ns="prod", sa="deployer"), False, features=("controllers", "service-account-rules")),
    Row("controller_deployment_update_unattested_deny", "UPDATE of a Deployment is judged", S74, policy(require()), controller("Deployment", APP, operation="UPDATE"), False, features=("controllers",)),
]

# breakglass
ROWS += [
    Row("breakglass_label_pod", "the label image-policy.k8s.io/break-glass=true admits and is audited", S3, policy(DENY), pod(APP, labels=BG_LABEL), True, features=BG, warnings=("breakglass",), audit=AUDIT_BG),
    Row("breakglass_annotation_alpha_pod", "the annotation alpha.image-policy.k8s.io/break-glass=true admits", S3, policy(DENY), pod(APP, annotations=BG_ALPHA), True, features=BG, audit=AUDIT_BG),
    Row("breakglass_annotation_kritis_any_value", "Kritis' kritis.grafeas.io/breakglass annotation admits with any value", S3, policy(DENY), pod(APP, annotations=BG_KRITIS), True, features=BG, audit=AUDIT_BG),
    Row("breakglass_label_false_deny", "break-glass label with value 'false' is not breakglass", S3, policy(DENY), pod(APP, labels={"image-policy.k8s.io/break-glass": "false"}), False, features=BG),
    Row("breakglass_alpha_annotation_false_deny", "the alpha annotation must be 'true'", S3, policy(DENY), pod(APP, annotations={"alpha.image-policy.k8s.io/break-glass": "yes"}), False, features=BG),
    Row("breakglass_label_key_as_annotation_deny", "the current form is a label; as an annotation it is not recognised", S3, policy(DENY), pod(APP, annotations=BG_LABEL), False, features=BG),
    Row("breakglass_other_label_deny", "a look-alike label key is not breakglass", S3, policy(DENY), pod(APP, labels={"image-policy.k8s.io/break-glas": "true"}), False, features=BG),
    Row("breakglass_deployment_template_label", "breakglass on a Deployment's pod template", S3, policy(DENY), controller("Deployment", APP, labels=BG_LABEL), True, features=(*BG, "controllers"), audit=AUDIT_BG),
    Row("breakglass_deployment_template_annotation", "alpha annotation on a Deployment's pod template", S3, policy(DENY), controller("Deployment", APP, annotations=BG_ALPHA), True, features=(*BG, "controllers")),
    Row("breakglass_cronjob_template_label", "breakglass on a CronJob's pod template", S3, policy(DENY), controller("CronJob", APP, labels=BG_LABEL), True, features=(*BG, "controllers")),
    Row("breakglass_compliant_still_audited", "breakglass on a compliant pod is still recorded", S3, policy(require()), pod(APP, labels=BG_LABEL), True, QA, features=BG, audit=AUDIT_BG),
    Row("breakglass_namespace_rule", "breakglass overrides a specific rule's denial", S3, policy(ALLOW, ns={"prod": DENY}), pod(APP, ns="prod", labels=BG_LABEL), True, features=(*BG, "namespace-rules")),
]

# the attestation store fails: fail closed
ROWS += [
    Row("store_503_deny", "store answers 503: deny (fail closed)", "wire-formats.md 6.5; 7.5", policy(require()), pod(APP), False, QA, fault=F503, features=STORE),
    Row("store_500_deny", "store answers 500: deny", "wire-formats.md 6.5", policy(require()), pod(APP), False, QA, fault={"kind": "status", "status": 500}, features=STORE),
    Row("store_429_deny", "store answers 429: deny", "wire-formats.md 6.5", policy(require()), pod(APP), False, QA, fault={"kind": "status", "status": 429}, features=STORE),
    Row("store_reset_deny", "store drops the connection: deny", "wire-formats.md 7.5", policy(require()), pod(APP), False, QA, fault={"kind": "reset"}, features=STORE),
    Row("store_latency_past_deadline_deny", "store slower than the request deadline: deny in time", "wire-formats.md 7.3; 7.5", policy(require()), pod(APP, timeout=2), False, QA, fault={"kind": "latency", "latency": 3.0}, features=(*STORE, "deadline")),
    Row("store_latency_small", "a slow but timely store is fine", "wire-formats.md 7.5", policy(require()), pod(APP), True, QA, fault={"kind": "latency", "latency": 0.2}, features=STORE),
    Row("store_failure_always_allow", "ALWAYS_ALLOW needs no store", S14, policy(ALLOW), pod(APP), True, fault=F503, features=STORE),
    Row("store_failure_always_deny_deny", "ALWAYS_DENY denies regardless of the store", S14, policy(DENY), pod(APP), False, fault=F503, features=STORE),
    Row("store_failure_dryrun", "a DRYRUN rule admits even when the store fails", S14, policy(require(enforcement=DRYRUN)), pod(APP), True, fault=F503, features=(*STORE, "dry-run")),
    Row("store_failure_breakglass", "breakglass admits even when the store fails", S14, policy(require()), pod(APP, labels=BG_LABEL), True, fault=F503, features=(*STORE, *BG)),
    Row("store_failure_tag_only_deny", "a tag is refused whatever the store says", S14, policy(require()), pod(f"{REG}/app:1"), False, fault=F503, features=STORE),
    Row("store_failure_namespace_allow", "a specific ALWAYS_ALLOW rule needs no store", S14, policy(require(), ns={"tools": rule("ALWAYS_ALLOW")}), pod(APP, ns="tools"), True, fault=F503, features=(*STORE, "namespace-rules")),
]
