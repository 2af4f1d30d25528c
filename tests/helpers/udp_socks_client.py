#!/usr/bin/env python3
"""A tiny native SOCKS5 UDP client (RFC 1928 section 7, RFC 1929 auth).

  udp_socks_client.py --proxy HOST:PORT [--user USER --password-file FILE]
                      DEST PORT MESSAGE

Opens the TCP control connection to the proxy (IPv6 proxies as [ADDR]:PORT),
authenticates with username/password when --user is given (method 0, none,
otherwise), sends UDP ASSOCIATE, then sends MESSAGE in one datagram to DEST
PORT through the relay (DEST: an IPv4 or IPv6 literal, ATYP 1/4, or a name,
ATYP 3) and reads one datagram back. Prints

  relay ADDR PORT                   the relay (BND.ADDR, BND.PORT)
  reply ATYP SRC SRCPORT PAYLOAD    the reply's header fields and payload

and exits 0; on a refusal prints "refused REP N (TEXT)" and exits 3; exits 1
on a timeout (5 s each step) or a malformed answer. No socksify involved.
"""
import argparse
import ipaddress
import socket
import struct
import sys

REPLIES = {
    1: "general failure", 2: "not allowed by ruleset",
    3: "network unreachable", 4: "host unreachable", 5: "connection refused",
    6: "TTL expired", 7: "command not supported",
    8: "address type not supported",
}


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            sys.exit("control connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def encode_addr(host, port):
    """SOCKS5 ATYP + address + port for HOST (literal or name)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        return bytes([3, len(name)]) + name + struct.pack("!H", port)
    return bytes([1 if ip.version == 4 else 4]) + ip.packed + struct.pack("!H", port)


def decode_addr(buf, i):
    """(atyp, host, port, next offset) of the address at BUF[i:]."""
    atyp = buf[i]
    if atyp == 1:
        host, i = str(ipaddress.IPv4Address(buf[i + 1:i + 5])), i + 5
    elif atyp == 4:
        host, i = str(ipaddress.IPv6Address(buf[i + 1:i + 17])), i + 17
    elif atyp == 3:
        n = buf[i + 1]
        host, i = buf[i + 2:i + 2 + n].decode("idna"), i + 2 + n
    else:
        raise ValueError("ATYP %d" % atyp)
    return atyp, host, struct.unpack("!H", buf[i:i + 2])[0], i + 2


def read_reply(ctl):
    head = recv_exact(ctl, 4)
    if head[0] != 5:
        sys.exit("not a SOCKS5 reply: %r" % head)
    if head[1] != 0:
        print("refused REP %d (%s)" % (head[1], REPLIES.get(head[1], "unassigned")))
        sys.exit(3)
    atyp = head[3]
    if atyp == 1:
        rest = recv_exact(ctl, 6)
    elif atyp == 4:
        rest = recv_exact(ctl, 18)
    elif atyp == 3:
        n = recv_exact(ctl, 1)
        rest = n + recv_exact(ctl, n[0] + 2)
    else:
        sys.exit("bad ATYP %d in the reply" % atyp)
    _, host, port, _ = decode_addr(bytes([atyp]) + rest, 0)
    return host, port


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy", required=True, help="HOST:PORT or [ADDR]:PORT")
    ap.add_argument("--user")
    ap.add_argument("--password-file")
    ap.add_argument("dest")
    ap.add_argument("port", type=int)
    ap.add_argument("message")
    a = ap.parse_args()

    phost, _, pport = a.proxy.rpartition(":")
    phost = phost.strip("[]")
    fam = socket.AF_INET6 if ":" in phost else socket.AF_INET
    ctl = socket.socket(fam, socket.SOCK_STREAM)
    ctl.settimeout(5)
    ctl.connect((phost, int(pport)))

    method = 2 if a.user else 0
    ctl.sendall(bytes([5, 1, method]))
    ver, chosen = recv_exact(ctl, 2)
    if ver != 5 or chosen != method:
        sys.exit("proxy chose method %d (offered %d)" % (chosen, method))
    if method == 2:
        with open(a.password_file) as f:
            password = f.readline().rstrip("\n").encode()
        user = a.user.encode()
        ctl.sendall(bytes([1, len(user)]) + user + bytes([len(password)]) + password)
        ver, status = recv_exact(ctl, 2)
        if status != 0:
            sys.exit("authentication failed (status %d)" % status)

    # the UDP socket first: its port goes into the request (address
    # unspecified: the proxy takes the control connection's source address)
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.settimeout(5)
    udp.bind(("::" if fam == socket.AF_INET6 else "0.0.0.0", 0))
    anyaddr = "::" if fam == socket.AF_INET6 else "0.0.0.0"
    ctl.sendall(bytes([5, 3, 0]) + encode_addr(anyaddr, udp.getsockname()[1]))
    rhost, rport = read_reply(ctl)
    if ipaddress.ip_address(rhost).is_unspecified:
        rhost = phost
    print("relay %s %d" % (rhost, rport))

    udp.sendto(bytes([0, 0, 0]) + encode_addr(a.dest, a.port) + a.message.encode(),
               (rhost, rport))
    try:
        data, peer = udp.recvfrom(65535)
    except socket.timeout:
        sys.exit("no datagram back within 5 s")
    if data[:3] != b"\0\0\0":
        sys.exit("bad RSV/FRAG in the reply: %r" % data[:3])
    atyp, src, sport, i = decode_addr(data, 3)
    print("reply %d %s %d %s" % (atyp, src, sport, data[i:].decode(errors="replace")))
    ctl.close()
    udp.close()


if __name__ == "__main__":
    main()
