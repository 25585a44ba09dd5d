"""The flood of issue 17 rows 4 and 5, sent from a process of its own (so its threads do not share
the test's interpreter lock): ``python floodclient.py SPEC.json`` prints one JSON object of counts.

SPEC: ``{"port", "token", "duration", "groups": [{"kind", "clients", "path", "file", "ctype"}]}``.
Each client of a group sends its body again and again until ``duration`` ends, pausing
``pause_after_busy`` seconds after a 503 (a flood that ignores ``Retry-After`` but not one that spins).
"""

from __future__ import annotations

import http.client
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _client(spec: dict[str, Any], group: dict[str, Any], body: bytes, deadline: float,
            counts: Counter[str], lock: threading.Lock) -> None:
    port = spec["port"]
    headers = {"Host": f"127.0.0.1:{port}", "X-LureLens-Token": spec["token"], "Content-Type": group["ctype"]}
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", group["path"], body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            key = f"{group['kind']}:{resp.status}"
            status = resp.status
        except OSError as e:
            key, status = f"{group['kind']}:{type(e).__name__}", 0
        finally:
            conn.close()
        with lock:
            counts[key] += 1
        if status == 503:
            time.sleep(spec.get("pause_after_busy", 0.1))


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + float(spec["duration"])
    threads = []
    for group in spec["groups"]:
        body = Path(group["file"]).read_bytes()
        for _ in range(int(group["clients"])):
            threads.append(threading.Thread(target=_client, args=(spec, group, body, deadline, counts, lock),
                                            daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join(float(spec["duration"]) + 90)
    print(json.dumps(dict(sorted(counts.items()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
