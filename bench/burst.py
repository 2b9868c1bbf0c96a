#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
"""burst.py PORT BODY_FILE CONNS ROUNDS GAP: ROUNDS times, CONNS connections
each send one POST /predict/batch with BODY_FILE at the same moment; all
answers are read, then GAP seconds of quiet. Prints the answers' status
counts and how many items came from the store or got default features,
and the slowest answer of each round in ms."""
import socket
import sys
import time

port, body_file = int(sys.argv[1]), sys.argv[2]
conns, rounds, gap = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
body = open(body_file, "rb").read()
req = (b"POST /predict/batch HTTP/1.1\r\nHost: localhost\r\n"
       b"Content-Type: application/json\r\nConnection: close\r\n"
       b"Content-Length: %d\r\n\r\n" % len(body)) + body

status, store, default, slowest = {}, 0, 0, []
for _ in range(rounds):
    socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(conns)]
    t0 = time.monotonic()
    for s in socks:
        s.sendall(req)
    worst = 0.0
    for s in socks:
        data = b""
        while True:
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        s.close()
        worst = max(worst, time.monotonic() - t0)
        code = data.split(b" ", 2)[1].decode() if data else "none"
        status[code] = status.get(code, 0) + 1
        store += data.count(b'"features_source":"store"')
        default += data.count(b'"features_source":"default"')
    slowest.append(worst * 1000)
    time.sleep(gap)

print("status %s store %d default %d slowest_ms %s" % (
    ",".join("%s:%d" % kv for kv in sorted(status.items())), store, default,
    "/".join("%.0f" % x for x in slowest)))
