#!/usr/bin/env python3
"""A fault-injecting fake SOCKS5 server for the failure suites.

  fakeproxy.py --scenario NAME [--host 127.0.0.1] [--port 0] [--record FILE]
               [--delay SECONDS]

Listens on HOST:PORT (port 0: the kernel picks one), prints "PORT N" as its
first stdout line (flushed) once it accepts connections, and serves every
connection the scenario's way until it is killed. It never connects anywhere:
after a successful CONNECT reply it echoes the client's bytes back.

--record FILE appends one JSON line per client message, written before the
server answers it, so a client that got its answer can read the record:
  {"conn": 1, "msg": "greeting", "ver": 5, "methods": [0, 2], "hex": "..."}
  {"conn": 1, "msg": "auth", "ver": 1, "user": "alice", "password": "...", "hex": "..."}
  {"conn": 1, "msg": "request", "ver": 5, "cmd": 1, "atyp": 1,
   "addr": "203.0.113.80", "port": 80, "hex": "..."}
  {"conn": 1, "msg": "data", "hex": "..."}
(plus {"conn": N, "msg": "accept"} when a connection arrives).

Scenarios (the credentials accepted are alice/secret):
  ok                  no-auth or username/password, success reply, then echo
  ok-then-banner      success reply and "BANNER\\n" in the same write, then echo
  ok-bound-v6         success reply with an IPv6 BND.ADDR, "BANNER\\n", echo
  domain-255          success reply with ATYP 3 and a valid 255-byte name,
                      "BANNER\\n" in the same write, then echo
  drip                like ok-then-banner, but every reply is sent one byte
                      at a time, --delay seconds apart (default 0.15)
  refuse-methods      method reply 0xFF
  method-not-offered  method reply 0x01 (GSSAPI)
  method-XX           method reply 0xXX (hex), e.g. method-80, method-02
  wrong-version       method reply with VER 0x04
  auth-fail           username/password answered with status 1
  auth-bad-version    username/password answered with VER 0x05
  rep-N               a complete reply with REP N (decimal 1-255)
  truncated-N         a valid 10-byte success reply cut after N bytes (0-9),
                      then an orderly close
  close-after-greeting  reads the greeting, closes
  silent              reads everything, never answers, keeps the connection
  silent-after-method answers the method, reads the credentials, then silence
  silent-after-auth   answers method and credentials, reads the request,
                      then silence
  garbage             answers the greeting with random non-SOCKS bytes
  domain-0            reply with ATYP 3 and length 0 (malformed)
  bad-atyp            reply with ATYP 9
  reset               reads the greeting, closes with RST (SO_LINGER 0)
  reset-after-request reads the request, closes with RST
  udp-echo            UDP ASSOCIATE answered with a relay on 127.0.0.1 that
                      echoes each datagram (header and payload) back
  udp-garbage         the same, but before each echo the relay sends
                      datagrams that are not RFC 1928 (empty, short, bad
                      ATYP, a name longer than the datagram, random bytes)
  udp-fragment        before each echo, the same datagram with FRAG 1
  udp-foreign         before each echo, the same datagram from another
                      socket (a source that is not the relay)
  no-listen           binds the port but never listens: connecting to it is
                      refused (a "proxy down" port nobody else can take)
  backlog-full        listens with backlog 0, fills the queue itself and never
                      accepts: a client's SYN goes unanswered (a proxy that
                      does not answer the TCP handshake)
"""
import argparse
import json
import os
import re
import select
import socket
import struct
import sys
import threading
import time

USER = b"alice"
PASSWORD = b"secret"
IO_TIMEOUT = 30.0  # a stuck client never keeps a thread forever


class Closed(Exception):
    """The client went away."""


class Recorder:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def write(self, conn_id, msg, raw=b"", **fields):
        if self.path is None:
            return
        line = {"conn": conn_id, "msg": msg}
        line.update(fields)
        if raw:
            line["hex"] = raw.hex()
        text = json.dumps(line) + "\n"
        with self.lock:
            with open(self.path, "a") as f:
                f.write(text)
                f.flush()


class Conn:
    def __init__(self, sock, conn_id, args, recorder):
        self.sock = sock
        self.id = conn_id
        self.args = args
        self.rec = recorder
        self.scenario = args.scenario

    # ---- I/O -------------------------------------------------------------
    def recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Closed()
            buf += chunk
        return buf

    def send(self, data):
        if self.scenario == "drip":
            for i in range(len(data)):
                time.sleep(self.args.delay)
                self.sock.sendall(data[i:i + 1])
        else:
            self.sock.sendall(data)

    def drain_until_closed(self):
        """Reads (and records) until the client closes; never answers."""
        self.relay_until_closed(answer=False)

    def echo(self):
        self.relay_until_closed(answer=True)

    def relay_until_closed(self, answer):
        """Reads and records until the client closes, echoing if answer."""
        self.sock.settimeout(None)
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                return
            if not chunk:
                return
            self.rec.write(self.id, "data", chunk)
            if answer:
                self.sock.sendall(chunk)

    def reset(self):
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    # ---- messages --------------------------------------------------------
    def read_greeting(self):
        head = self.recv_exact(2)
        methods = self.recv_exact(head[1]) if head[0] == 5 else b""
        self.rec.write(self.id, "greeting", head + methods, ver=head[0], methods=list(methods))
        return list(methods)

    def read_auth(self):
        head = self.recv_exact(2)
        user = self.recv_exact(head[1])
        plen = self.recv_exact(1)
        password = self.recv_exact(plen[0])
        self.rec.write(self.id, "auth", head + user + plen + password, ver=head[0],
                       user=user.decode("latin-1"), password=password.decode("latin-1"))
        return user, password

    def read_request(self):
        head = self.recv_exact(4)
        atyp = head[3]
        fields = {"ver": head[0], "cmd": head[1], "rsv": head[2], "atyp": atyp}
        if atyp == 1:
            raw = self.recv_exact(4)
            fields["addr"] = socket.inet_ntop(socket.AF_INET, raw)
        elif atyp == 4:
            raw = self.recv_exact(16)
            fields["addr"] = socket.inet_ntop(socket.AF_INET6, raw)
        elif atyp == 3:
            n = self.recv_exact(1)
            raw = n + self.recv_exact(n[0])
            fields["addr"] = raw[1:].decode("latin-1")
        else:
            raw = b""
        port = self.recv_exact(2)
        fields["port"] = struct.unpack("!H", port)[0]
        self.rec.write(self.id, "request", head + raw + port, **fields)
        return fields

    def authenticate(self, methods):
        """Standard method selection and RFC 1929 check; False if refused."""
        if 2 in methods:
            self.send(b"\x05\x02")
            user, password = self.read_auth()
            ok = user == USER and password == PASSWORD
            self.send(b"\x01\x00" if ok else b"\x01\x01")
            return ok
        if 0 in methods:
            self.send(b"\x05\x00")
            return True
        self.send(b"\x05\xff")
        return False

    # ---- UDP relay -------------------------------------------------------
    def udp_relay(self):
        """Answers the UDP ASSOCIATE, then relays the scenario's way until
        the control connection closes."""
        relay = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        relay.bind(("127.0.0.1", 0))
        foreign = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        foreign.bind(("127.0.0.1", 0))
        port = relay.getsockname()[1]
        self.send(b"\x05\x00\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", port))
        self.sock.settimeout(None)
        try:
            while True:
                ready, _, _ = select.select([self.sock, relay], [], [])
                if self.sock in ready and not self.sock.recv(4096):
                    return
                if relay in ready:
                    data, client = relay.recvfrom(65535)
                    self.rec.write(self.id, "udp", data)
                    self.udp_answer(relay, foreign, client, data)
        finally:
            relay.close()
            foreign.close()

    def udp_answer(self, relay, foreign, client, data):
        end = udp_header_len(data)
        if end is None:
            return
        header, payload = data[:end], data[end:]
        s = self.scenario
        if s == "udp-garbage":
            for junk in (b"", b"\x00", b"\x00\x00\x00", b"\x00\x00\x00\x09junk",
                         b"\x00\x00\x00\x03\xffabc", b"\x00\x00\x00\x01\x7f\x00"):
                relay.sendto(junk, client)
        elif s == "udp-fragment":
            relay.sendto(header[:2] + b"\x01" + header[3:] + b"FRAGMENT", client)
        elif s == "udp-foreign":
            foreign.sendto(header + b"FOREIGN", client)
        relay.sendto(header + payload, client)

    # ---- scenarios -------------------------------------------------------
    def run(self):
        s = self.scenario
        methods = self.read_greeting()

        if s in ("close-after-greeting",):
            return
        if s == "reset":
            self.reset()
            return
        if s == "silent":
            self.drain_until_closed()
            return
        if s == "refuse-methods":
            self.send(b"\x05\xff")
            self.drain_until_closed()
            return
        m = re.fullmatch(r"method-([0-9a-fA-F]{2})", s)
        if s == "method-not-offered" or m:
            code = int(m.group(1), 16) if m else 0x01
            self.send(bytes([5, code]))
            self.drain_until_closed()
            return
        if s == "wrong-version":
            self.send(b"\x04\x00")
            self.drain_until_closed()
            return
        if s == "garbage":
            junk = bytearray(os.urandom(64))
            if junk[0] == 5:
                junk[0] = 0x48  # never a SOCKS5 version byte
            self.send(bytes(junk))
            self.drain_until_closed()
            return
        if s in ("auth-fail", "auth-bad-version", "silent-after-method"):
            self.send(b"\x05\x02")
            self.read_auth()
            if s == "auth-fail":
                self.send(b"\x01\x01")
            elif s == "auth-bad-version":
                self.send(b"\x05\x00")
            self.drain_until_closed()
            return

        if not self.authenticate(methods):
            self.drain_until_closed()
            return
        request = self.read_request()
        success = b"\x05\x00\x00\x01\x7f\x00\x00\x01\x30\x39"  # 127.0.0.1:12345
        if s.startswith("udp-"):
            if request["cmd"] == 3:
                self.udp_relay()
            else:
                self.send(b"\x05\x07" + success[2:])
            return

        if s == "silent-after-auth":
            self.drain_until_closed()
            return
        if s == "reset-after-request":
            self.reset()
            return
        m = re.fullmatch(r"truncated-(\d+)", s)
        if m:
            n = int(m.group(1))
            if n:
                self.send(success[:n])
            return
        m = re.fullmatch(r"rep-(\d+)", s)
        if m:
            self.send(b"\x05" + bytes([int(m.group(1)) & 0xff]) + success[2:])
            self.drain_until_closed()
            return
        if s == "domain-0":
            self.send(b"\x05\x00\x00\x03\x00\x30\x39")
            self.drain_until_closed()
            return
        if s == "bad-atyp":
            self.send(b"\x05\x00\x00\x09\x7f\x00\x00\x01\x30\x39")
            self.drain_until_closed()
            return
        if s == "ok":
            self.send(success)
        elif s in ("ok-then-banner", "drip"):
            self.send(success + b"BANNER\n")
        elif s == "ok-bound-v6":
            self.send(b"\x05\x00\x00\x04" + socket.inet_pton(socket.AF_INET6, "2001:db8::1")
                      + b"\x30\x39" + b"BANNER\n")
        elif s == "domain-255":
            # four labels of 63 bytes and dots: 4*63 + 3 = 255 bytes, a valid name
            name = ".".join([c * 63 for c in "abcd"]).encode()
            assert len(name) == 255
            self.send(b"\x05\x00\x00\x03\xff" + name + b"\x30\x39" + b"BANNER\n")
        else:
            raise SystemExit("unknown scenario " + s)
        self.echo()


def udp_header_len(data):
    """Length of the RFC 1928 section 7 header at the start of data, or None."""
    if len(data) < 4:
        return None
    atyp = data[3]
    if atyp == 1:
        end = 4 + 4 + 2
    elif atyp == 4:
        end = 4 + 16 + 2
    elif atyp == 3 and len(data) > 4:
        end = 5 + data[4] + 2
    else:
        return None
    return end if len(data) >= end else None


def serve(conn_sock, conn_id, args, recorder):
    conn_sock.settimeout(IO_TIMEOUT)
    conn = Conn(conn_sock, conn_id, args, recorder)
    try:
        recorder.write(conn_id, "accept")
        conn.run()
    except (Closed, OSError):
        pass
    finally:
        try:
            conn_sock.close()
        except OSError:
            pass


KNOWN = {
    "ok", "ok-then-banner", "ok-bound-v6", "domain-255", "drip", "refuse-methods",
    "method-not-offered", "wrong-version", "auth-fail", "auth-bad-version",
    "close-after-greeting", "silent", "silent-after-method", "silent-after-auth",
    "garbage", "domain-0", "bad-atyp", "reset", "reset-after-request", "no-listen",
    "backlog-full", "udp-echo", "udp-garbage", "udp-fragment", "udp-foreign",
}


def valid_scenario(name):
    if name in KNOWN:
        return name
    m = re.fullmatch(r"rep-(\d+)", name)
    if m and 1 <= int(m.group(1)) <= 255:
        return name
    m = re.fullmatch(r"truncated-(\d+)", name)
    if m and 0 <= int(m.group(1)) <= 9:
        return name
    if re.fullmatch(r"method-[0-9a-fA-F]{2}", name):
        return name
    raise argparse.ArgumentTypeError("unknown scenario %r" % name)


def main():
    ap = argparse.ArgumentParser(description="fault-injecting fake SOCKS5 server")
    ap.add_argument("--scenario", type=valid_scenario, default="ok")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--record", default=None, help="append one JSON line per client message")
    ap.add_argument("--delay", type=float, default=0.15, help="seconds between bytes (drip)")
    args = ap.parse_args()

    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((args.host, args.port))
    filler = None
    if args.scenario == "backlog-full":
        srv.listen(0)
        filler = socket.socket(family, socket.SOCK_STREAM)
        filler.connect(srv.getsockname()[:2])  # takes the one queue slot
    elif args.scenario != "no-listen":
        srv.listen(64)
    print("PORT %d" % srv.getsockname()[1], flush=True)
    recorder = Recorder(args.record)

    if args.scenario in ("no-listen", "backlog-full"):
        while True:
            time.sleep(3600)
    conn_id = 0
    while True:
        try:
            conn_sock, _ = srv.accept()
        except InterruptedError:
            continue
        conn_id += 1
        threading.Thread(target=serve, args=(conn_sock, conn_id, args, recorder),
                         daemon=True).start()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
