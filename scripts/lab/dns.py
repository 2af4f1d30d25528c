#!/usr/bin/env python3
"""The world's DNS server for the socksify test lab (UDP and TCP).

  dns.py --addr ADDR [--addr ADDR ...] [--port 53]
         [--mx NAME=PREF:EXCHANGE ...] [--txt NAME=TEXT ...] [NAME=IP ...]

Serves, on every --addr (IPv4 or IPv6 literal), DNS over UDP and over TCP
(RFC 1035 4.2.2: each message behind a 2-byte length, any number of queries
per connection, the connection closed by the client or after 30 s idle).

Records: NAME=IP is an A record (IPv4 IP) or an AAAA record (IPv6 IP);
--mx NAME=PREF:EXCHANGE an MX record (e.g. example.test=10:mail.example.test);
--txt NAME=TEXT a TXT record (TEXT split into 255-byte strings). Any option
may be given several times, also for the same name. Queries for a name that
has no record at all get NXDOMAIN; a known name gets NOERROR with the
records of the asked type (none for other types). TTL 30.

Logs one line per query to stderr:

  dns PEER NAME TYPE -> RCODE N answers over udp|tcp

(other lines for malformed queries or non-QUERY opcodes also end with the
transport). Runs until killed.
"""
import argparse
import ipaddress
import socket
import struct
import sys
import threading

T_A, T_PTR, T_MX, T_TXT, T_AAAA = 1, 12, 15, 16, 28
TYPES = {1: "A", 28: "AAAA", 5: "CNAME", 12: "PTR", 15: "MX", 16: "TXT",
         33: "SRV", 255: "ANY", 65: "HTTPS"}
TTL = 30
LOG_LOCK = threading.Lock()


def log(line):
    with LOG_LOCK:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


def encode_name(name):
    """NAME in wire format, uncompressed."""
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            if len(raw) > 63:
                raise ValueError("label too long: %r" % label)
            out += bytes([len(raw)]) + raw
    return out + b"\0"


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


class Zone:
    """name -> list of (type, rdata bytes)."""

    def __init__(self):
        self.records = {}

    def add(self, name, rtype, rdata):
        self.records.setdefault(name.lower().rstrip("."), []).append((rtype, rdata))

    def add_ip(self, name, ip):
        ip = ipaddress.ip_address(ip)
        self.add(name, T_A if ip.version == 4 else T_AAAA, ip.packed)

    def add_mx(self, name, spec):
        pref, exchange = spec.split(":", 1)
        self.add(name, T_MX, struct.pack("!H", int(pref)) + encode_name(exchange))

    def add_txt(self, name, text):
        raw = text.encode("utf-8")
        chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
        self.add(name, T_TXT, b"".join(bytes([len(c)]) + c for c in chunks))

    def lookup(self, name):
        return self.records.get(name.rstrip("."))


def answer(msg, zone):
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
    records = zone.lookup(name)
    tname = TYPES.get(qtype, str(qtype))
    if records is None:
        return (struct.pack("!HHHHHH", ident, 0x8480 | rd | 3, 1, 0, 0, 0) + head,
                "%s %s -> NXDOMAIN" % (name, tname))
    rrs = []
    if qclass == 1:
        for rtype, rdata in records:
            if rtype == qtype:
                rrs.append(struct.pack("!HHHIH", 0xC00C, rtype, 1, TTL, len(rdata)) + rdata)
    reply = struct.pack("!HHHHHH", ident, 0x8480 | rd, 1, len(rrs), 0, 0)
    return reply + head + b"".join(rrs), "%s %s -> NOERROR %d answers" % (name, tname, len(rrs))


def safe_answer(msg, zone):
    try:
        return answer(msg, zone)
    except (IndexError, ValueError, struct.error, UnicodeError) as e:
        return None, "malformed query (%s)" % e


def serve_udp(sock, zone):
    while True:
        try:
            msg, peer = sock.recvfrom(65535)
        except OSError as e:
            log("dns: recvfrom: %s" % e)
            continue
        reply, line = safe_answer(msg, zone)
        log("dns %s %s over udp" % (peer[0], line))
        if reply is not None:
            try:
                sock.sendto(reply, peer)
            except OSError as e:
                log("dns: sendto: %s" % e)


def read_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve_tcp_conn(conn, peer, zone):
    with conn:
        conn.settimeout(30)
        try:
            while True:
                head = read_exact(conn, 2)
                if head is None:
                    return
                (length,) = struct.unpack("!H", head)
                msg = read_exact(conn, length)
                if msg is None:
                    log("dns %s truncated message (%d bytes announced) over tcp" % (peer[0], length))
                    return
                reply, line = safe_answer(msg, zone)
                log("dns %s %s over tcp" % (peer[0], line))
                if reply is None:
                    return
                conn.sendall(struct.pack("!H", len(reply)) + reply)
        except OSError as e:
            log("dns %s: tcp: %s" % (peer[0], e))


def serve_tcp(sock, zone):
    while True:
        try:
            conn, peer = sock.accept()
        except OSError as e:
            log("dns: accept: %s" % e)
            continue
        threading.Thread(target=serve_tcp_conn, args=(conn, peer, zone), daemon=True).start()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", action="append", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--mx", action="append", default=[], metavar="NAME=PREF:EXCHANGE")
    ap.add_argument("--txt", action="append", default=[], metavar="NAME=TEXT")
    ap.add_argument("records", nargs="*", metavar="NAME=IP")
    a = ap.parse_args()
    zone = Zone()
    try:
        for rec in a.records:
            name, ip = rec.split("=", 1)
            zone.add_ip(name, ip)
        for rec in a.mx:
            name, spec = rec.split("=", 1)
            zone.add_mx(name, spec)
        for rec in a.txt:
            name, text = rec.split("=", 1)
            zone.add_txt(name, text)
    except ValueError as e:
        ap.error("bad record: %s" % e)
    threads = []
    for addr in a.addr:
        family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        for kind, target in ((socket.SOCK_DGRAM, serve_udp), (socket.SOCK_STREAM, serve_tcp)):
            s = socket.socket(family, kind)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if kind == socket.SOCK_STREAM:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((addr, a.port))
            if kind == socket.SOCK_STREAM:
                s.listen(64)
            threads.append(threading.Thread(target=target, args=(s, zone), daemon=True))
    for t in threads:
        t.start()
    log("dns: ready on %s port %d (udp, tcp)" % (" ".join(a.addr), a.port))
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
