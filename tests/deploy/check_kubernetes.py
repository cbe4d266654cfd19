"""Consistency checks on rendered Kubernetes manifests (kubectl kustomize
output on stdin), for tests/deploy/kubernetes_manifests_test. Exits 1 with a
message per problem. Run with /usr/bin/python3 (Debian's, which has PyYAML)."""
import sys

import yaml

docs = [d for d in yaml.safe_load_all(sys.stdin) if d]
problems = []
by_kind = {}
for d in docs:
    by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d

deployments = by_kind.get("Deployment", {})
pvcs = by_kind.get("PersistentVolumeClaim", {})
services = by_kind.get("Service", {})

for want in ("shammie-collector", "shammie-scheduler", "shammie-pm-trainer", "shammie-ppo-trainer"):
    if want not in deployments:
        problems.append(f"no Deployment {want}")
    if want not in services:
        problems.append(f"no Service {want}")

art = pvcs.get("shammie-artifacts")
if not art:
    problems.append("no PersistentVolumeClaim shammie-artifacts")
elif "ReadWriteMany" not in art["spec"]["accessModes"]:
    problems.append("shammie-artifacts must be ReadWriteMany (shared by every service)")

for name, dep in deployments.items():
    spec = dep["spec"]
    pod = spec["template"]
    labels = pod["metadata"].get("labels", {})
    for k, v in spec["selector"]["matchLabels"].items():
        if labels.get(k) != v:
            problems.append(f"{name}: selector {k}={v} does not match the pod labels")
    if spec.get("replicas", 1) != 1 or spec.get("strategy", {}).get("type") != "Recreate":
        problems.append(f"{name}: owns a RocksDB, so replicas 1 and strategy Recreate")
    volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
    for v in volumes.values():
        claim = v.get("persistentVolumeClaim", {}).get("claimName")
        if claim is not None and claim not in pvcs:
            problems.append(f"{name}: volume {v['name']} claims missing PVC {claim}")
    if not any(v.get("persistentVolumeClaim", {}).get("claimName") == "shammie-artifacts"
               for v in volumes.values()):
        problems.append(f"{name}: does not mount the artifacts volume")
    ann = pod["metadata"].get("annotations", {})
    for c in pod["spec"]["containers"]:
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        for m in c.get("volumeMounts", []):
            if m["name"] not in volumes:
                problems.append(f"{name}: mount of undeclared volume {m['name']}")
        if ann.get("prometheus.io/scrape") == "true" and int(ann["prometheus.io/port"]) not in ports.values():
            problems.append(f"{name}: prometheus.io/port {ann['prometheus.io/port']} is not a container port")
        if not c.get("readinessProbe"):
            problems.append(f"{name}: no readinessProbe")
        if not any(e.get("name") == "OMP_WAIT_POLICY" for e in c.get("env", [])):
            problems.append(f"{name}: OMP_WAIT_POLICY not set (see common/omp_env.h)")
    svc = services.get(name)
    if svc:
        if svc["spec"]["selector"] != spec["selector"]["matchLabels"]:
            problems.append(f"Service {name}: selector does not select its Deployment's pods")
        names = {p["name"] for c in pod["spec"]["containers"] for p in c.get("ports", [])}
        for p in svc["spec"]["ports"]:
            if isinstance(p["targetPort"], str) and p["targetPort"] not in names:
                problems.append(f"Service {name}: targetPort {p['targetPort']} is not a container port")

for p in problems:
    print(p)
print(f"{len(docs)} objects, {len(problems)} problems")
sys.exit(1 if problems else 0)
