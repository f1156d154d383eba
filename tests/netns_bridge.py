"""Run a command inside a fresh network namespace, with at most one way out: a proxy.

Started as ``unshare --net python netns_bridge.py [--proxy-socket PATH] -- COMMAND...``. In
the new namespace nothing resolves and nothing listens; this script brings the loopback
interface up and, with ``--proxy-socket``, listens on 127.0.0.1 and forwards every connection
to that Unix socket (file-system sockets cross namespaces; TCP does not), where the test's
proxy waits. The command runs with ``HTTPS_PROXY`` naming the bridge; its output and exit
code are passed through. Stdlib only: it runs before anything else is set up.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import socket
import struct
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from tls_support import pipe

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1
IFREQ = "16sH22x"  # struct ifreq: the name, then the flags in a 24-byte union


def loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        current = fcntl.ioctl(sock, SIOCGIFFLAGS, struct.pack(IFREQ, b"lo", 0))
        flags = struct.unpack(IFREQ, current)[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack(IFREQ, b"lo", flags | IFF_UP))


def bridge(unix_path: str) -> int:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def forward() -> None:
        while True:
            client, _ = listener.accept()
            upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            upstream.connect(unix_path)
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()

    threading.Thread(target=forward, daemon=True).start()
    port: int = listener.getsockname()[1]
    return port


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proxy-socket")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    loopback_up()
    env = dict(os.environ)
    if args.proxy_socket:
        env["HTTPS_PROXY"] = f"http://127.0.0.1:{bridge(args.proxy_socket)}"
    completed = subprocess.run(args.command, env=env, check=False)
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main())
