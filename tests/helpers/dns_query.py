#!/usr/bin/env python3
"""A raw-socket DNS client (standard library only), for the interception tests.

  dns_query.py [--server ADDR] [--port 53] [--mode MODE] [--timeout SECONDS]
               NAME TYPE [NAME TYPE ...]

Builds each query itself and sends it to ADDR (default: the first
"nameserver" of /etc/resolv.conf), port 53 unless --port, all on ONE socket
(one UDP socket, or one TCP connection), one after the other. MODE:

  sendto   unconnected UDP: sendto(), recvfrom()           (the default)
  sendmsg  unconnected UDP: sendmsg(), recvmsg()
  connect  connected UDP: connect(), send(), recv(), getpeername()
  write    connected UDP: connect(), write(2), poll(2), read(2), getpeername()
  tcp      TCP: connect(), 2-byte length + message, several per connection

TYPE is A, AAAA, MX, TXT, PTR, CNAME, SRV or a number. For PTR, NAME may be
an IP address (turned into its in-addr.arpa / ip6.arpa name) or "@": the
first address answered so far in this run. Two pseudo types do no DNS at all
and run in the same process (so with the same fake-DNS table): GAI prints
getaddrinfo(NAME, AF_INET)'s first address, GAI6 the AF_INET6 one.

Prints, per query:
  query NAME TYPE
  rcode NOERROR|NXDOMAIN|REFUSED|...
  flags qr aa tc rd ra            (the header bits that are set)
  match id question               (the reply's ID and question are the query's;
                                   "mismatch ..." otherwise)
  answer A 198.18.0.2             (one line per answer record; also AAAA,
  answer MX 10 mail.example.test   MX, TXT (strings joined by spaces), PTR,
  answer TXT socksify-upstream-ok  CNAME, or "answer TYPE n HEX")
  from ADDR PORT                  (sendto/sendmsg: the source recvfrom/recvmsg
                                   reported)
  peer ADDR PORT                  (connect/write/tcp: getpeername())
and for a pseudo type "gai NAME ADDR" (or "gai NAME error N").
Exit status: 0 when every query got a reply, 2 on a timeout ("timeout"
printed), 1 on any other failure (printed as "error ...").
"""
import argparse
import ipaddress
import os
import random
import select
import socket
import struct
import sys

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16,
         "AAAA": 28, "SRV": 33, "HTTPS": 65, "ANY": 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED"}


class Failure(Exception):
    pass


def first_nameserver(path="/etc/resolv.conf"):
    with open(path) as f:
        for line in f:
            words = line.split()
            if len(words) >= 2 and words[0] == "nameserver":
                return words[1]
    raise Failure("no nameserver in %s" % path)


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += bytes([len(raw)]) + raw
    return out + b"\0"


def reverse_name(addr):
    return ipaddress.ip_address(addr).reverse_pointer


def build_query(ident, name, qtype):
    # RD set, one question, no EDNS
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + encode_name(name) + \
        struct.pack("!HH", qtype, 1)


def read_name(msg, off):
    """(dotted name, offset after it), following compression pointers."""
    labels, jumps, end = [], 0, None
    while True:
        if off >= len(msg):
            raise Failure("name runs past the message")
        n = msg[off]
        if n & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise Failure("truncated pointer")
            if end is None:
                end = off + 2
            off = ((n & 0x3F) << 8) | msg[off + 1]
            jumps += 1
            if jumps > 64:
                raise Failure("compression loop")
            continue
        if n & 0xC0:
            raise Failure("bad label type")
        if n == 0:
            off += 1
            break
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return ".".join(labels), (end if end is not None else off)


def rdata_text(msg, rtype, off, rdlen):
    rd = msg[off:off + rdlen]
    if rtype == 1 and rdlen == 4:
        return "A " + socket.inet_ntop(socket.AF_INET, rd)
    if rtype == 28 and rdlen == 16:
        return "AAAA " + socket.inet_ntop(socket.AF_INET6, rd)
    if rtype in (5, 12, 2):
        return "%s %s" % (TYPE_NAMES[rtype], read_name(msg, off)[0])
    if rtype == 15:
        return "MX %d %s" % (struct.unpack("!H", rd[:2])[0], read_name(msg, off + 2)[0])
    if rtype == 16:
        parts, i = [], 0
        while i < len(rd):
            parts.append(rd[i + 1:i + 1 + rd[i]].decode("utf-8", "replace"))
            i += 1 + rd[i]
        return "TXT " + " ".join(parts)
    if rtype == 33:
        prio, weight, port = struct.unpack("!HHH", rd[:6])
        return "SRV %d %d %d %s" % (prio, weight, port, read_name(msg, off + 6)[0])
    return "TYPE %d %s" % (rtype, rd.hex())


def parse_reply(msg, query):
    """Lines describing MSG, the reply to QUERY; and the addresses answered."""
    if len(msg) < 12:
        raise Failure("reply of %d bytes" % len(msg))
    ident, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", msg[:12])
    lines = ["rcode " + RCODES.get(flags & 0xF, str(flags & 0xF))]
    bits = [n for n, b in (("qr", 0x8000), ("aa", 0x0400), ("tc", 0x0200),
                           ("rd", 0x0100), ("ra", 0x0080)) if flags & b]
    lines.append("flags " + " ".join(bits))
    qend = 12 + len(query) - 12  # the query's question ends where the query ends
    same_id = ident == struct.unpack("!H", query[:2])[0]
    same_q = qd == 1 and msg[12:qend].lower() == query[12:].lower()
    if same_id and same_q:
        lines.append("match id question")
    else:
        lines.append("mismatch%s%s" % (" id" if not same_id else "", " question" if not same_q else ""))
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    addrs = []
    for _ in range(an):
        _, off = read_name(msg, off)
        if off + 10 > len(msg):
            raise Failure("truncated answer record")
        rtype, _, _, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        if off + rdlen > len(msg):
            raise Failure("truncated rdata")
        text = rdata_text(msg, rtype, off, rdlen)
        lines.append("answer " + text)
        if rtype in (1, 28):
            addrs.append(text.split()[1])
        off += rdlen
    return lines, addrs


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise Failure("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def sockaddr_text(sa):
    return "%s %d" % (sa[0], sa[1])


def exchange(sock, mode, dest, query):
    """Send QUERY, return (reply, source line or None)."""
    if mode == "sendto":
        sock.sendto(query, dest)
        reply, src = sock.recvfrom(65535)
        return reply, "from " + sockaddr_text(src)
    if mode == "sendmsg":
        sock.sendmsg([query], [], 0, dest)
        reply, _, _, src = sock.recvmsg(65535)
        return reply, "from " + sockaddr_text(src)
    if mode == "connect":
        sock.send(query)
        return sock.recv(65535), None
    if mode == "write":
        # the socket has a timeout, so it is non-blocking underneath: wait
        # for the reply with poll (readiness must work), then read(2) it
        os.write(sock.fileno(), query)
        p = select.poll()
        p.register(sock.fileno(), select.POLLIN)
        if not p.poll(int(sock.gettimeout() * 1000)):
            raise socket.timeout()
        return os.read(sock.fileno(), 65535), None
    if mode == "tcp":
        sock.sendall(struct.pack("!H", len(query)) + query)
        (length,) = struct.unpack("!H", recv_exact(sock, 2))
        return recv_exact(sock, length), None
    raise Failure("unknown mode " + mode)


def gai(name, family):
    try:
        res = socket.getaddrinfo(name, 53, family, socket.SOCK_STREAM)
        return "gai %s %s" % (name, res[0][4][0])
    except socket.gaierror as e:
        return "gai %s error %d" % (name, e.errno)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server")
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--mode", default="sendto", choices=("sendto", "sendmsg", "connect", "write", "tcp"))
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("pairs", nargs="+", metavar="NAME TYPE")
    a = ap.parse_args()
    if len(a.pairs) % 2:
        ap.error("queries are NAME TYPE pairs")
    pairs = list(zip(a.pairs[0::2], a.pairs[1::2]))
    try:
        server = a.server or first_nameserver()
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        dest = (server, a.port) if family == socket.AF_INET else (server, a.port, 0, 0)
        sock = None
        seen = []
        print("server %s %d" % (server, a.port), flush=True)
        for name, tname in pairs:
            tname = tname.upper()
            if tname in ("GAI", "GAI6"):
                print(gai(name, socket.AF_INET if tname == "GAI" else socket.AF_INET6), flush=True)
                continue
            qtype = TYPES[tname] if tname in TYPES else int(tname)
            if qtype == 12:
                if name == "@":
                    if not seen:
                        raise Failure("PTR @ before any address was answered")
                    name = seen[0]
                try:
                    name = reverse_name(name)
                except ValueError:
                    pass
            if sock is None:
                kind = socket.SOCK_STREAM if a.mode == "tcp" else socket.SOCK_DGRAM
                sock = socket.socket(family, kind)
                sock.settimeout(a.timeout)
                if a.mode in ("connect", "write", "tcp"):
                    sock.connect(dest)
            query = build_query(random.randrange(1, 65536), name, qtype)
            print("query %s %s" % (name, tname), flush=True)
            try:
                reply, src = exchange(sock, a.mode, dest, query)
            except socket.timeout:
                print("timeout", flush=True)
                return 2
            lines, addrs = parse_reply(reply, query)
            seen += addrs
            if src is None:
                lines.append("peer " + sockaddr_text(sock.getpeername()))
            else:
                lines.append(src)
            print("\n".join(lines), flush=True)
        if sock is not None:
            sock.close()
        return 0
    except (Failure, OSError) as e:
        print("error %s" % e, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
