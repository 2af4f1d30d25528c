#!/usr/bin/env python3
"""The world's DNS server for the socksify test lab (UDP only).

  dns.py --addr ADDR [--addr ADDR ...] [--port 53] NAME=IP [NAME=IP ...]

Answers, on every --addr (IPv4 or IPv6 literal), A and AAAA queries from the
table (an IPv4 IP is an A record, an IPv6 one an AAAA record; a name may be
given several times); NXDOMAIN for names not in the table, NOERROR with no
answer for the table's names and other types (or the other family).
Logs one line per query ("dns PEER NAME TYPE -> RCODE N answers") to stderr.
Runs until killed.
"""
import argparse
import ipaddress
import socket
import struct
import sys
import threading

T_A, T_AAAA = 1, 28
TYPES = {1: "A", 28: "AAAA", 5: "CNAME", 12: "PTR", 15: "MX", 16: "TXT",
         33: "SRV", 255: "ANY", 65: "HTTPS"}


def question(msg):
    """(qname, qtype, qclass, end offset) of the first question."""
    labels, i = [], 12
    while msg[i]:
        if msg[i] & 0xC0:
            raise ValueError("compressed name in question")
        labels.append(msg[i + 1:i + 1 + msg[i]].decode("ascii").lower())
        i += 1 + msg[i]
    qtype, qclass = struct.unpack("!HH", msg[i + 1:i + 5])
    return ".".join(labels), qtype, qclass, i + 5


def answer(msg, table):
    """The reply to MSG (bytes), or None to drop it; and a log line."""
    if len(msg) < 12:
        return None, "short message"
    ident, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None, "not a query"
    opcode = (flags >> 11) & 0xF
    rd = flags & 0x0100
    name, qtype, qclass, end = question(msg)
    head = msg[12:end]
    if opcode != 0:
        # NOTIMP
        return struct.pack("!HHHHHH", ident, 0x8080 | (opcode << 11) | rd | 4,
                           1, 0, 0, 0) + head, "%s opcode %d -> NOTIMP" % (name, opcode)
    ips = table.get(name.rstrip("."))
    tname = TYPES.get(qtype, str(qtype))
    if ips is None:
        return (struct.pack("!HHHHHH", ident, 0x8480 | rd | 3, 1, 0, 0, 0) + head,
                "%s %s -> NXDOMAIN" % (name, tname))
    rrs = []
    if qclass == 1:
        for ip in ips:
            if qtype == T_A and ip.version == 4:
                rrs.append(struct.pack("!HHHIH", 0xC00C, T_A, 1, 30, 4) + ip.packed)
            elif qtype == T_AAAA and ip.version == 6:
                rrs.append(struct.pack("!HHHIH", 0xC00C, T_AAAA, 1, 30, 16) + ip.packed)
    reply = struct.pack("!HHHHHH", ident, 0x8480 | rd, 1, len(rrs), 0, 0)
    return reply + head + b"".join(rrs), "%s %s -> NOERROR %d answers" % (name, tname, len(rrs))


def serve(sock, table):
    while True:
        try:
            msg, peer = sock.recvfrom(4096)
        except OSError as e:
            sys.stderr.write("dns: recvfrom: %s\n" % e)
            continue
        try:
            reply, line = answer(msg, table)
        except (IndexError, ValueError, struct.error, UnicodeError) as e:
            reply, line = None, "malformed query (%s)" % e
        sys.stderr.write("dns %s %s\n" % (peer[0], line))
        sys.stderr.flush()
        if reply is not None:
            try:
                sock.sendto(reply, peer)
            except OSError as e:
                sys.stderr.write("dns: sendto: %s\n" % e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", action="append", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("records", nargs="+", metavar="NAME=IP")
    a = ap.parse_args()
    table = {}
    for rec in a.records:
        name, ip = rec.split("=", 1)
        table.setdefault(name.lower().rstrip("."), []).append(ipaddress.ip_address(ip))
    socks = []
    for addr in a.addr:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        s = socket.socket(family, socket.SOCK_DGRAM)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, a.port))
        socks.append(s)
    threads = [threading.Thread(target=serve, args=(s, table), daemon=True) for s in socks]
    for t in threads:
        t.start()
    sys.stderr.write("dns: ready on %s port %d\n" % (" ".join(a.addr), a.port))
    sys.stderr.flush()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
