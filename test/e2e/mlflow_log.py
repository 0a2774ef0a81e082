#!/usr/bin/env python3
"""Logs runs into Lathe through the MLflow REST API, as the `mlflow` client does; standard library only.

Usage: mlflow_log.py <base url> <token> < spec.json
spec: {"experiment": "name", "runs": [{"name": "...", "params": {...}, "tags": {...},
       "metrics": {"loss": [0.9, 0.7, ...]}, "artifacts": {"path/in/run.json": "text"}}]}
Prints {"experiment_id": ..., "run_ids": [...]} on success; exits 1 with a message otherwise.
"""
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

BASE = sys.argv[1].rstrip("/")
HEADERS = {"Authorization": "Bearer " + sys.argv[2]}


def call(method, path, body=None, params=None, raw=None, ctype="application/json"):
    url = BASE + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    headers = dict(HEADERS)
    if data is not None:
        headers["Content-Type"] = ctype
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            payload = resp.read()
            return resp.status, json.loads(payload) if payload else {}
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def api(method, name, body=None, params=None):
    status, out = call(method, "/api/2.0/mlflow/" + name, body=body, params=params)
    if status != 200:
        print("FAIL: %s %s -> %s %s" % (method, name, status, out), file=sys.stderr)
        sys.exit(1)
    return out


spec = json.load(sys.stdin)
status, got = call("GET", "/api/2.0/mlflow/experiments/get-by-name", params={"experiment_name": spec["experiment"]})
if status == 200:
    exp_id = got["experiment"]["experiment_id"]
else:
    exp_id = api("POST", "experiments/create", {"name": spec["experiment"]})["experiment_id"]

run_ids = []
now = int(time.time() * 1000)
for r in spec["runs"]:
    run = api("POST", "runs/create", {
        "experiment_id": exp_id,
        "start_time": now,
        "run_name": r["name"],
        "tags": [{"key": "mlflow.runName", "value": r["name"]}, {"key": "mlflow.user", "value": "e2e"}],
    })["run"]
    run_id = run["info"]["run_id"]
    metrics = []
    for key, values in r.get("metrics", {}).items():
        for i, v in enumerate(values):
            metrics.append({"key": key, "value": v, "timestamp": now + i * 1000, "step": i})
    for i in range(0, max(1, len(metrics)), 1000):
        api("POST", "runs/log-batch", {
            "run_id": run_id,
            "metrics": metrics[i:i + 1000],
            "params": [{"key": k, "value": v} for k, v in r.get("params", {}).items()] if i == 0 else [],
            "tags": [{"key": k, "value": v} for k, v in r.get("tags", {}).items()] if i == 0 else [],
        })
    for path, text in r.get("artifacts", {}).items():
        ctype = "application/json" if path.endswith(".json") else "text/csv" if path.endswith(".csv") else "text/plain"
        status, out = call("PUT", "/api/2.0/mlflow-artifacts/artifacts/%s/%s/artifacts/%s" % (exp_id, run_id, urllib.parse.quote(path)),
                           raw=text.encode(), ctype=ctype)
        if status != 200:
            print("FAIL: artifact %s -> %s %s" % (path, status, out), file=sys.stderr)
            sys.exit(1)
    api("POST", "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": now + 60000})
    run_ids.append(run_id)

print(json.dumps({"experiment_id": exp_id, "run_ids": run_ids}))
