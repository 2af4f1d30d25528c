#!/usr/bin/env python3
"""Relay replies whose RFC 1928 header changes length, for udp_headers.bats.

  udp_headers.py proxy        a SOCKS5 server on 127.0.0.1 (no
                              authentication) that answers UDP ASSOCIATE
                              with a relay on 127.0.0.1; prints "PORT N".
                              Each datagram comes back with the header its
                              payload's first three bytes ask for: "v4|"
                              ATYP 1 (10 bytes), "v6|" ATYP 4 (22), "nm|"
                              ATYP 3 with a 40-byte name (47), and from
                              another socket first when "fo|" follows them.
  udp_headers.py client HOST PORT
                              run under socksify: receives every header
                              length into every buffer layout (one buffer,
                              several, too short, MSG_PEEK, MSG_TRUNC) and
                              prints "FAIL ..." for each wrong result, then
                              "checks N"; exit 0 when none failed.

The library receives a datagram in one call into a header buffer sized for
the relay's previous header, the application's buffers and a spill buffer,
then moves the payload when the header was not the size expected; the
client's order makes every size follow every other.
"""
import itertools
import select
import socket
import struct
import sys

FORMS = {
    b"v4|": b"\x01" + bytes([198, 51, 100, 7]),
    b"v6|": b"\x04" + bytes(range(32, 48)),
    b"nm|": b"\x03" + bytes([40]) + b"n" * 35 + b".test",
}


def header(payload):
    return b"\x00\x00\x00" + FORMS[payload[:3]] + struct.pack("!H", 7)


def relay_loop(ctl, relay, foreign):
    while True:
        ready, _, _ = select.select([ctl, relay], [], [])
        if ctl in ready and not ctl.recv(4096):
            return
        if relay in ready:
            data, client = relay.recvfrom(65535)
            payload = data[10:]  # the client always names an IPv4 destination
            if payload[3:6] == b"fo|":
                foreign.sendto(header(payload) + b"FOREIGN", client)
            relay.sendto(header(payload) + payload, client)


def proxy():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    print("PORT %d" % srv.getsockname()[1], flush=True)
    while True:
        ctl, _ = srv.accept()
        ctl.recv(3)
        ctl.sendall(b"\x05\x00")
        ctl.recv(512)
        relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        relay.bind(("127.0.0.1", 0))
        foreign = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        foreign.bind(("127.0.0.1", 0))
        ctl.sendall(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", relay.getsockname()[1]))
        relay_loop(ctl, relay, foreign)
        for s in (ctl, relay, foreign):
            s.close()


class Client:
    def __init__(self, dest):
        self.dest = dest
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.settimeout(3)
        self.checks = 0
        self.failed = 0

    def expect(self, what, got, want):
        self.checks += 1
        if got != want:
            self.failed += 1
            print("FAIL %s: got %.80r, want %.80r" % (what, got, want))

    def send(self, form, size, foreign=False):
        body = (form + (b"fo|" if foreign else b"") + bytes(i % 251 for i in range(size)))[:max(size, 6)]
        self.s.sendto(body, self.dest)
        return body

    def one_buffer(self, form, size, cap):
        want = self.send(form, size)
        got = bytearray(cap)
        n, _, flags, _ = self.s.recvmsg_into([got])
        what = "%s %d bytes into %d" % (form.decode(), len(want), cap)
        self.expect(what + ": data", bytes(got[:n]), want[:cap])
        self.expect(what + ": MSG_TRUNC", bool(flags & socket.MSG_TRUNC), len(want) > cap)

    def scattered(self, form, size, caps):
        want = self.send(form, size)
        bufs = [bytearray(c) for c in caps]
        n, _, _, _ = self.s.recvmsg_into(bufs)
        what = "%s %d bytes into %s" % (form.decode(), len(want), caps)
        self.expect(what, bytes(b"".join(bufs)[:n]), want[:sum(caps)])

    def trunc_length(self, form, size):
        want = self.send(form, size)
        got = bytearray(4)
        n = self.s.recv_into(got, 0, socket.MSG_TRUNC)
        self.expect("%s MSG_TRUNC length" % form.decode(), (n, bytes(got)), (len(want), want[:4]))

    def peek_then_read(self, form, size, foreign):
        want = self.send(form, size, foreign)
        peeked, _ = self.s.recvfrom(65535, socket.MSG_PEEK)
        got, _ = self.s.recvfrom(65535)
        what = "%s peek%s" % (form.decode(), " after a foreign datagram" if foreign else "")
        self.expect(what, (peeked, got), (want, want))

    def run(self):
        sizes = (6, 40, 300, 1400)
        # every form after every other, so the expected header is each in turn
        for prev, form in itertools.product(FORMS, repeat=2):
            self.one_buffer(prev, 20, 100)
            for size in sizes:
                for cap in (0, 5, 39, 300, 2000):
                    self.one_buffer(form, size, cap)
                self.one_buffer(prev, 20, 100)
                self.scattered(form, size, [0, 3, 1, 50, 0, 2000])
                self.scattered(form, size, [7, 7])
                self.trunc_length(form, size)
                self.peek_then_read(form, size, foreign=False)
                self.peek_then_read(form, size, foreign=True)
        print("checks %d" % self.checks)
        return 1 if self.failed else 0


def main():
    if sys.argv[1:2] == ["proxy"]:
        proxy()
        return 0
    return Client((sys.argv[2], int(sys.argv[3]))).run()


if __name__ == "__main__":
    sys.exit(main())
