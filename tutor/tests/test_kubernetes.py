"""
`tutor k8s`: the rendered manifests schedule the tick with one CronJob (never one scheduler per LMS replica).
"""

TICK = "mandatory-assignments-tick"


def resources(root, relative="k8s/deployments.yml") -> list[dict]:
    return root.yaml_documents(relative)


def find(documents, kind, name):
    matches = [d for d in documents if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind} {name}: {len(matches)} found"
    return matches[0]


def test_one_cronjob_that_never_overlaps(default_root):
    cronjob = find(resources(default_root), "CronJob", TICK)
    assert cronjob["apiVersion"] == "batch/v1"
    assert cronjob["spec"]["schedule"] == "*/5 * * * *"  # MANDATORY_ASSIGNMENTS_TICK_SECONDS = 300
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    job = cronjob["spec"]["jobTemplate"]["spec"]
    assert job["template"]["spec"]["restartPolicy"] == "Never"
    assert job["activeDeadlineSeconds"] > 0


def test_the_tick_is_scheduled_nowhere_else(default_root):
    """No Deployment, no replica-bound scheduler, no Tutor job of the plugin: only the CronJob."""
    for relative in ("k8s/deployments.yml", "k8s/jobs.yml", "k8s/services.yml"):
        ours = [d for d in resources(default_root, relative) if "mandatory" in d["metadata"]["name"]]
        expected = [("CronJob", TICK)] if relative == "k8s/deployments.yml" else []
        assert [(d["kind"], d["metadata"]["name"]) for d in ours] == expected
    for document in resources(default_root):
        if document["kind"] == "Deployment":
            containers = document["spec"]["template"]["spec"]["containers"]
            assert not any("mandatory_assignments_tick" in str(c.get("command", "")) for c in containers)


def test_cronjob_runs_the_tick_in_the_lms_image_with_the_lms_settings(default_root):
    documents = resources(default_root)
    pod = find(documents, "CronJob", TICK)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    lms_pod = find(documents, "Deployment", "lms")["spec"]["template"]["spec"]
    [container] = pod["containers"]
    lms_container = next(c for c in lms_pod["containers"] if c["name"] == "lms")

    assert container["image"] == lms_container["image"]
    assert container["command"] == ["./manage.py", "lms", "mandatory_assignments_tick"]
    lms_env = {e["name"]: e["value"] for e in lms_container["env"]}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["SERVICE_VARIANT"] == lms_env["SERVICE_VARIANT"] == "lms"
    assert env["DJANGO_SETTINGS_MODULE"] == lms_env["DJANGO_SETTINGS_MODULE"]
    # The settings and configuration come from the same ConfigMaps, mounted at the same places.
    lms_mounts = {m["mountPath"]: m["name"] for m in lms_container["volumeMounts"]}
    lms_volumes = {v["name"]: v.get("configMap", {}).get("name") for v in lms_pod["volumes"]}
    volumes = {v["name"]: v["configMap"]["name"] for v in pod["volumes"]}
    for mount in container["volumeMounts"]:
        assert lms_mounts[mount["mountPath"]] == mount["name"]
        assert volumes[mount["name"]] == lms_volumes[mount["name"]]
    assert {"/openedx/edx-platform/lms/envs/tutor/", "/openedx/config"} <= {
        m["mountPath"] for m in container["volumeMounts"]
    }
    assert pod["securityContext"] == lms_pod["securityContext"]


def test_tutor_k8s_start_applies_the_cronjob(default_root):
    """`tutor k8s start` applies everything but the "job" and "namespace" components, from kustomization.yml."""
    cronjob = find(resources(default_root), "CronJob", TICK)
    assert cronjob["metadata"]["labels"]["app.kubernetes.io/component"] not in ("job", "namespace")
    assert "k8s/deployments.yml" in default_root.yaml("kustomization.yml")["resources"]


def test_schedule_follows_tick_seconds_in_whole_minutes(custom_root, fast_root):
    assert find(resources(custom_root), "CronJob", TICK)["spec"]["schedule"] == "*/2 * * * *"  # 120 s
    assert find(resources(fast_root), "CronJob", TICK)["spec"]["schedule"] == "* * * * *"  # 1 s: every minute


def test_no_cronjob_when_the_tick_is_not_run_by_the_plugin(off_root):
    assert not [d for d in resources(off_root) if d["kind"] == "CronJob"]
    find(resources(off_root), "Deployment", "lms")
