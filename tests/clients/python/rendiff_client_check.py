#!/usr/bin/env python3
"""Drives the service the way clients of the original Python FFmpeg API do (requests, its documented shapes).

Usage: FFMPEG_API_URL=http://127.0.0.1:PORT FFMPEG_API_KEY=fa_... python3 rendiff_client_check.py
Inputs /storage/input/short.mp4 and /storage/input/long.mp4 must exist. Exits non-zero on the first mismatch.
"""
import http.server
import json
import os
import sys
import threading
import time

import requests

BASE = os.environ["FFMPEG_API_URL"].rstrip("/") + "/api/v1"
HEADERS = {"X-API-Key": os.environ["FFMPEG_API_KEY"]}
checks = 0


def check(condition, message):
    global checks
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)
    checks += 1


def wait_for(job_id, statuses, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = requests.get(f"{BASE}/jobs/{job_id}", headers=HEADERS, timeout=10).json()
        if job["status"] in statuses:
            return job
        time.sleep(0.2)
    raise SystemExit(f"FAIL: job {job_id} never reached {statuses}")


# A webhook receiver on loopback, as an integrator of the original would run (the server allowlists 127.0.0.1).
hooks = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        hooks.append(({k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=receiver.serve_forever, daemon=True).start()
hook_url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"

# Submit the documented example bodies and read job['job']['id'].
for body in (
    {"input": "/storage/input/short.mp4", "output": "mp4"},
    {"input": {"path": "/storage/input/short.mp4"},
     "output": {"format": "webm", "video": {"codec": "vp9", "crf": 35}, "audio": {"codec": "opus", "bitrate": "96k"}},
     "operations": [{"type": "trim", "start": 0.5, "duration": 1}], "options": {"priority": "high"}},
    {"input": "/storage/input/short.mp4", "output": "mp3", "priority": "low", "webhook_url": hook_url},
):
    r = requests.post(f"{BASE}/convert", json=body, headers=HEADERS, timeout=10)
    check(r.status_code in (200, 202), f"convert answered {r.status_code}: {r.text}")
    created = r.json()
    check("job" in created and "warnings" in created and "estimated_cost" in created, f"creation envelope: {created}")
    job_id = created["job"]["id"]
    check(created["job"]["links"]["self"].endswith(job_id), "links.self")
    job = wait_for(job_id, ("completed", "failed"))
    check(job["status"] == "completed", f"job ended {job['status']}: {job.get('error')}")
    check(job["progress"] == 100 and job["progress_details"]["percentage"] == 100, "progress 100 when completed")
    check(job["completed_at"] is not None and job["error"] is None, "completed_at set, error null")

# The per-job webhook: the original's payload for the default events (complete, error), plus signature headers.
deadline = time.monotonic() + 30
while not hooks and time.monotonic() < deadline:
    time.sleep(0.1)
check(len(hooks) == 1, f"one webhook (complete) expected, got {[h[1] for h in hooks]}")
hook_headers, hook = hooks[0]
check(hook["event"] == "complete" and hook["job_id"] == job_id and hook["timestamp"] and hook["data"]["status"] == "completed",
      f"webhook payload: {hook}")
check(hook_headers["webhook-signature"].startswith("v1,") and hook_headers["webhook-id"], f"webhook headers: {hook_headers}")

# List with the original's paging envelope and status filter.
listing = requests.get(f"{BASE}/jobs", params={"status": "completed", "per_page": 2}, headers=HEADERS, timeout=10).json()
check(set(listing) >= {"jobs", "total", "page", "per_page", "has_next", "has_prev"}, f"list envelope: {list(listing)}")
check(all(j["status"] == "completed" for j in listing["jobs"]), "status filter")

# Errors: read error.code and detail.
r = requests.post(f"{BASE}/convert", json={"input": "/storage/input/short.mp4", "output": {"format": "webm", "video": {"codec": "prores"}}}, headers=HEADERS, timeout=10)
check(r.status_code == 422, f"codec mismatch status {r.status_code}")
error = r.json()
check(error["error"]["code"] == "CODEC_MISMATCH" and error["detail"], f"error body: {error}")
r = requests.get(f"{BASE}/jobs/00000000-0000-0000-0000-000000000000", headers=HEADERS, timeout=10)
check(r.status_code == 404 and r.json()["detail"] == "Job not found", "job not found")
r = requests.get(f"{BASE}/jobs", timeout=10)
check(r.status_code == 401 and r.json()["detail"] == "API key required", "missing key")

# Cancel a running job.
r = requests.post(f"{BASE}/convert", json={"input": "/storage/input/long.mp4", "output": {"format": "mp4", "video": {"preset": "veryslow"}}}, headers=HEADERS, timeout=10)
long_id = r.json()["job"]["id"]
wait_for(long_id, ("processing",))
r = requests.delete(f"{BASE}/jobs/{long_id}", headers=HEADERS, timeout=30)
check(r.status_code == 200 and r.json()["status"] == "cancelled", f"cancel: {r.status_code} {r.text}")
r = requests.delete(f"{BASE}/jobs/{long_id}", headers=HEADERS, timeout=10)
check(r.status_code in (400, 409), "cancelling a finished job is refused")

# Follow SSE to the terminal event.
r = requests.post(f"{BASE}/convert", json={"input": "/storage/input/short.mp4", "output": "mkv"}, headers=HEADERS, timeout=10)
sse_id = r.json()["job"]["id"]
event, terminal = None, None
with requests.get(f"{BASE}/jobs/{sse_id}/events", headers=HEADERS, stream=True, timeout=90) as stream:
    for line in stream.iter_lines(decode_unicode=True):
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event in ("completed", "failed", "cancelled"):
            terminal = (event, json.loads(line[6:]))
            break
check(terminal is not None and terminal[0] == "completed", f"terminal event: {terminal}")
check(terminal[1]["output_path"].endswith(".mkv") and terminal[1]["output_size"] > 0, "terminal event carries the output")

# The original's /analyze, /stream and /estimate bodies, unchanged.
r = requests.post(f"{BASE}/analyze", json={"input": "/storage/input/short.mp4", "reference": "/storage/input/short.mp4", "metrics": ["vmaf", "psnr"]}, headers=HEADERS, timeout=10)
check(r.status_code in (200, 202), f"analyze answered {r.status_code}: {r.text}")
analysis = wait_for(r.json()["job"]["id"], ("completed", "failed"))
check(analysis["status"] == "completed", f"analysis ended {analysis['status']}: {analysis.get('error')}")
check(analysis["progress_details"]["quality"]["vmaf"] >= 99 and analysis["analysis"]["metrics"]["psnr"]["mean"] >= 60, f"quality of identical inputs: {analysis['analysis']}")

r = requests.post(f"{BASE}/stream", json={"input": "/storage/input/short.mp4", "output": "/storage/output/py-stream", "type": "hls",
                                         "variants": [{"resolution": "240p", "bitrate": "400k"}], "segment_duration": 1}, headers=HEADERS, timeout=10)
check(r.status_code in (200, 202), f"stream answered {r.status_code}: {r.text}")
stream = wait_for(r.json()["job"]["id"], ("completed", "failed"))
check(stream["status"] == "completed" and stream["output"]["path"] == "/storage/output/py-stream/master.m3u8", f"stream job: {stream.get('error')} {stream['output']}")

r = requests.post(f"{BASE}/estimate", json={"input": "/storage/input/short.mp4", "output": "mp4"}, headers=HEADERS, timeout=30)
check(r.status_code == 200, f"estimate answered {r.status_code}: {r.text}")
estimate = r.json()
check(estimate["estimated"]["duration_seconds"] > 0 and estimate["estimated"]["output_size_bytes"] > 0 and "resources" in estimate, f"estimate: {estimate}")

# Probes and discovery without a key.
health = requests.get(f"{BASE}/health", timeout=10).json()
check(health["status"] in ("healthy", "degraded") and set(health["components"]) == {"database", "queue", "storage", "ffmpeg"}, f"health: {health}")
caps = requests.get(f"{BASE}/capabilities", timeout=10).json()
check("h264" in caps["formats"]["output"]["video_codecs"] and "mp4" in caps["formats"]["output"]["containers"], "capabilities")

print(f"python client: {checks} checks passed")
