#!/usr/bin/env python3
"""Makes the REST calls the `mlflow` Python client makes, with only the standard library.

Usage: mlflow_client.py <base url> <token>. Prints one JSON object with what it saw; exits 1 with a
message on the first surprise. Values are sent the way mlflow's proto JSON does (int64 as strings
sometimes, NaN as the string "NaN").
"""
import json
import math
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
TOKEN = sys.argv[2]
HEADERS = {"Authorization": "Bearer " + TOKEN, "User-Agent": "mlflow-python-client/2.x (stdlib test)"}


def call(method, endpoint, body=None, params=None, raw=None, content_type="application/json"):
    url = BASE + endpoint
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = None
    headers = dict(HEADERS)
    if raw is not None:
        data = raw
        headers["Content-Type"] = content_type
    elif body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload = resp.read()
            ctype = resp.headers.get("Content-Type", "")
            return resp.status, (json.loads(payload) if ctype.startswith("application/json") else payload)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def api(method, name, body=None, params=None):
    status, out = call(method, "/api/2.0/mlflow/" + name, body=body, params=params)
    if status != 200:
        fail("%s %s -> %s %s" % (method, name, status, out))
    return out


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


seen = {}
now = int(time.time() * 1000)

# mlflow.set_experiment("...") -> get-by-name (404) then create.
status, err = call("GET", "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": "py-client"})
check(status == 404 and err.get("error_code") == "RESOURCE_DOES_NOT_EXIST", "get-by-name of a missing experiment: %s %s" % (status, err))
exp_id = api("POST", "experiments/create", {"name": "py-client", "tags": [{"key": "owner", "value": "py"}]})["experiment_id"]
exp = api("GET", "experiments/get-by-name", params={"experiment_name": "py-client"})["experiment"]
check(exp["experiment_id"] == exp_id and exp["lifecycle_stage"] == "active", "experiment by name: %s" % exp)
check(exp["artifact_location"] == "mlflow-artifacts:/" + exp_id, "artifact location: %s" % exp["artifact_location"])
exp2 = api("GET", "experiments/get", params={"experiment_id": exp_id})["experiment"]
check(exp2["name"] == "py-client", "experiment by id")
found = api("POST", "experiments/search", {"max_results": 10, "filter": "name = 'py-client'"})["experiments"]
check([e["experiment_id"] for e in found] == [exp_id], "experiments/search: %s" % found)

# mlflow.start_run(run_name=...)
run = api("POST", "runs/create", {
    "experiment_id": exp_id,
    "start_time": now,
    "run_name": "py <b>run</b>",
    "tags": [{"key": "mlflow.user", "value": "tester"}, {"key": "mlflow.source.name", "value": "train.py"},
             {"key": "mlflow.runName", "value": "py <b>run</b>"}],
})["run"]
run_id = run["info"]["run_id"]
check(run["info"]["status"] == "RUNNING", "new run is RUNNING")
check(run["info"]["run_uuid"] == run_id and len(run_id) == 32, "run ids")
artifact_uri = run["info"]["artifact_uri"]
check(artifact_uri == "mlflow-artifacts:/%s/%s/artifacts" % (exp_id, run_id), "artifact uri: " + artifact_uri)

# mlflow.log_params / log_metrics / set_tags -> log-batch (int64 as strings, NaN as "NaN").
metrics = [{"key": "acc", "value": 0.5 + i / 100.0, "timestamp": str(now + i), "step": str(i)} for i in range(50)]
metrics.append({"key": "loss", "value": "NaN", "timestamp": now, "step": 0})
metrics.append({"key": "loss", "value": "Infinity", "timestamp": now, "step": 1})
metrics.append({"key": "loss", "value": 0.25, "timestamp": now, "step": 2})
api("POST", "runs/log-batch", {
    "run_id": run_id,
    "metrics": metrics,
    "params": [{"key": "optimizer", "value": "adam"}, {"key": "lr", "value": "0.01"}],
    "tags": [{"key": "team", "value": "ml"}],
})
api("POST", "runs/log-metric", {"run_id": run_id, "run_uuid": run_id, "key": "val_acc", "value": 0.91, "timestamp": now, "step": 0})
api("POST", "runs/log-parameter", {"run_id": run_id, "run_uuid": run_id, "key": "epochs", "value": "10"})
api("POST", "runs/log-parameter", {"run_id": run_id, "key": "epochs", "value": "10"})  # same value again is fine
api("POST", "runs/set-tag", {"run_id": run_id, "run_uuid": run_id, "key": "stage", "value": "dev"})

# mlflow.log_artifact -> PUT through the artifact proxy, then list and download.
content = json.dumps({"accuracy": 0.91, "note": "hello"}).encode()
art_base = "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts" % (exp_id, run_id)
status, out = call("PUT", art_base + "/reports/summary.json", raw=content, content_type="application/json")
check(status == 200, "artifact upload: %s %s" % (status, out))
status, out = call("PUT", art_base + "/model%20card.txt", raw=b"weights here\n", content_type="text/plain")
check(status == 200, "artifact upload with a space: %s %s" % (status, out))
status, listing = call("GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": "%s/%s/artifacts" % (exp_id, run_id)})
check(status == 200, "artifact list: %s" % listing)
seen["proxy_list"] = sorted((f["path"], f["is_dir"]) for f in listing["files"])
status, listing = call("GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": "%s/%s/artifacts/reports" % (exp_id, run_id)})
seen["proxy_list_reports"] = [(f["path"], f.get("file_size")) for f in listing["files"]]
tracking_list = api("GET", "artifacts/list", params={"run_id": run_id})
check(tracking_list["root_uri"] == artifact_uri, "artifacts/list root_uri")
seen["tracking_list"] = sorted((f["path"], f["is_dir"]) for f in tracking_list["files"])
status, body = call("GET", art_base + "/reports/summary.json")
check(status == 200 and body == content or (isinstance(body, dict) and json.dumps(body).encode() == content), "download: %s" % body)
status, body = call("GET", art_base + "/model%20card.txt")
check(status == 200 and body == b"weights here\n", "download text: %r" % body)

# mlflow.end_run() -> update FINISHED
info = api("POST", "runs/update", {"run_id": run_id, "run_uuid": run_id, "status": "FINISHED", "end_time": now + 5000})["run_info"]
check(info["status"] == "FINISHED" and int(info["end_time"]) == now + 5000, "update: %s" % info)

# search
runs = api("POST", "runs/search", {
    "experiment_ids": [exp_id],
    "filter": "metrics.acc > 0.9 and params.optimizer = 'adam' and attributes.status = 'FINISHED'",
    "max_results": 100,
    "order_by": ["metrics.acc DESC", "attributes.start_time DESC"],
    "run_view_type": "ACTIVE_ONLY",
})["runs"]
check([r["info"]["run_id"] for r in runs] == [run_id], "search found %s" % runs)
none = api("POST", "runs/search", {"experiment_ids": [exp_id], "filter": "params.optimizer = 'sgd'"})
check(none.get("runs", []) == [], "search for sgd should be empty")
by_name = api("POST", "runs/search", {"experiment_ids": [exp_id], "filter": "tags.\"mlflow.runName\" = 'py <b>run</b>'"})["runs"]
check(len(by_name) == 1, "search by mlflow.runName tag")

# history
hist = api("GET", "metrics/get-history", params={"run_id": run_id, "metric_key": "acc"})["metrics"]
check(len(hist) == 50 and int(hist[0]["step"]) == 0 and int(hist[-1]["step"]) == 49, "history of acc: %d points" % len(hist))
loss = api("GET", "metrics/get-history", params={"run_id": run_id, "metric_key": "loss"})["metrics"]
seen["loss_values"] = [m["value"] for m in loss]

got = api("GET", "runs/get", params={"run_id": run_id})["run"]
seen["status"] = got["info"]["status"]
seen["run_name"] = got["info"]["run_name"]
seen["params"] = {p["key"]: p["value"] for p in got["data"]["params"]}
seen["tags"] = {t["key"]: t["value"] for t in got["data"]["tags"]}
seen["metrics"] = {m["key"]: m["value"] for m in got["data"]["metrics"]}
seen["run_id"] = run_id
seen["experiment_id"] = exp_id

# a test metric logged after the run ended is taken, as in MLflow, and the run stays FINISHED
status, _ = call("POST", "/api/2.0/mlflow/runs/log-metric", body={"run_id": run_id, "key": "test_acc", "value": 0.88, "timestamp": now, "step": 0})
_, after = call("GET", "/api/2.0/mlflow/runs/get?run_id=" + run_id)
late = {m["key"]: m["value"] for m in after["run"]["data"]["metrics"]}
seen["late_metric"] = [status, late.get("test_acc"), after["run"]["info"]["status"]]

print(json.dumps(seen))
