"""`wic brief` reaches nothing outside the host: the real print inside a network namespace with only loopback,
a resolver that records every lookup, and strace recording every connection."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import REPO

# Runs inside the namespace: loopback up, a DNS listener on 127.0.0.1:53 (UDP and TCP) that records every query
# name and answers NXDOMAIN, resolv.conf bind-mounted to point at it, a control lookup that must be recorded,
# then the command under strace. Prints a JSON report.
DRIVER = textwrap.dedent("""
    import json, socket, subprocess, sys, threading
    from pathlib import Path

    work = Path(sys.argv[1])
    command = json.loads(sys.argv[2])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    names = []

    def qname(packet):
        labels, i = [], 12
        while i < len(packet) and packet[i]:
            labels.append(packet[i + 1:i + 1 + packet[i]].decode("ascii", "replace"))
            i += 1 + packet[i]
        return ".".join(labels)

    def nxdomain(packet):
        flags = (0x8183).to_bytes(2, "big")            # response, recursion desired/available, NXDOMAIN
        return packet[:2] + flags + packet[4:6] + bytes(6) + packet[12:]

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 53))
    tcp.listen(16)

    def serve_udp():
        while True:
            packet, peer = udp.recvfrom(4096)
            names.append(qname(packet))
            udp.sendto(nxdomain(packet), peer)

    def serve_tcp():
        while True:
            conn, _ = tcp.accept()
            data = conn.recv(4096)
            names.append("tcp:" + qname(data[2:]))
            conn.close()

    threading.Thread(target=serve_udp, daemon=True).start()
    threading.Thread(target=serve_tcp, daemon=True).start()
    resolv = work / "resolv.conf"
    resolv.write_text("nameserver 127.0.0.1\\noptions attempts:1 timeout:1\\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    try:
        socket.getaddrinfo("control-probe.example", 443)
    except OSError:
        pass
    control = list(names)
    names.clear()
    trace = work / "trace.txt"
    proc = subprocess.run(["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace),
                           *command], capture_output=True, text=True)
    print(json.dumps({"control": control, "names": names, "code": proc.returncode,
                      "stderr": proc.stderr[-2000:], "trace": trace.read_text(errors="replace")}))
""")
INET = re.compile(r"sa_family=AF_INET6?, .*?(?:inet_addr\(\"([^\"]+)\"\)|inet_pton\(AF_INET6, \"([^\"]+)\"\))")


def _in_namespace(tmp: Path, command: list[str], env: dict[str, str]) -> dict:
    for tool in ("unshare", "strace", "ip", "mount"):
        assert shutil.which(tool), f"{tool} is missing: run `make system-deps`"
    driver = tmp / "driver.py"
    driver.write_text(DRIVER)
    proc = subprocess.run(["unshare", "--net", "--mount", sys.executable, str(driver), str(tmp), json.dumps(command)],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _peers(trace: str) -> list[str]:
    """Every IPv4/IPv6 address a traced process connected or sent to."""
    return [a or b for a, b in INET.findall(trace)]


def test_wic_brief_makes_no_lookup_and_no_connection(warehouse_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "brief.pdf"
    env = {**os.environ, "WIC_WAREHOUSE": str(warehouse_path), "WIC_CACHE": str(tmp_path / "cache")}
    report = _in_namespace(tmp_path, [sys.executable, "-m", "etl.cli", "brief", "CHN", "--out", str(out)], env)
    assert report["control"] == ["control-probe.example"] * len(report["control"]) and report["control"], \
        "the recording resolver did not see the control lookup"
    assert report["code"] == 0, report["stderr"]
    assert out.read_bytes().startswith(b"%PDF") and out.stat().st_size > 10_000
    assert report["names"] == [], f"DNS lookups during `wic brief`: {sorted(set(report['names']))}"
    outside = [p for p in _peers(report["trace"]) if p not in ("127.0.0.1", "::1")]
    assert outside == [], f"connections from `wic brief` to {sorted(set(outside))}"
    assert "connect(" in report["trace"]   # strace did record the processes' connections (local sockets)
