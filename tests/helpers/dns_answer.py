#!/usr/bin/env python3
"""A minimal DNS responder for tests: answers A queries from a fixed table.

  dns_answer.py ADDR PORT NAME=IPV4 [NAME=IPV4 ...]

Prints "READY" once bound; answers NXDOMAIN for other names and NOERROR
with no answer for other types. Runs until killed.
"""
import socket
import struct
import sys


def question(msg):
    """(qname, qtype, end offset) of the first question."""
    labels, i = [], 12
    while msg[i]:
        labels.append(msg[i + 1:i + 1 + msg[i]].decode("ascii", "replace").lower())
        i += 1 + msg[i]
    qtype = struct.unpack("!H", msg[i + 1:i + 3])[0]
    return ".".join(labels), qtype, i + 5


def answer(msg, table):
    name, qtype, end = question(msg)
    ident, flags = struct.unpack("!HH", msg[:4])
    rd = flags & 0x0100
    ip = table.get(name)
    if ip is None:
        return struct.pack("!HHHHHH", ident, 0x8180 | rd | 3, 1, 0, 0, 0) + msg[12:end]
    if qtype != 1:
        return struct.pack("!HHHHHH", ident, 0x8180 | rd, 1, 0, 0, 0) + msg[12:end]
    rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 30, 4) + socket.inet_aton(ip)
    return struct.pack("!HHHHHH", ident, 0x8180 | rd, 1, 1, 0, 0) + msg[12:end] + rr


def main():
    addr, port = sys.argv[1], int(sys.argv[2])
    table = dict(arg.lower().split("=", 1) for arg in sys.argv[3:])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("READY", flush=True)
    while True:
        msg, peer = s.recvfrom(4096)
        try:
            s.sendto(answer(msg, table), peer)
        except (IndexError, struct.error, UnicodeError):
            continue


if __name__ == "__main__":
    main()
