#!/usr/bin/env python3
"""A tiny TCP client to run under socksify in the failure suites.

  probe.py HOST PORT [--nonblocking] [--family 4|6] [--send DATA]
           [--expect-prefix DATA] [--peername] [--reconnect] [--alarm SECONDS]

Connects (blocking by default; --nonblocking: connect_ex, poll for POLLOUT,
then SO_ERROR, as curl and asyncio do) and prints one line: "OK", or
"ERR <NAME>" with the errno's symbolic name (errno.errorcode), e.g.
"ERR ECONNREFUSED". After a successful connect, optionally:
  --peername       prints "PEER <host> <port>" from getpeername()
  --reconnect      connects the same socket again and prints
                   "RECONNECT OK" or "RECONNECT ERR <NAME>"
  --flags          prints "FLAGS blocking" or "FLAGS nonblocking" (the fd's
                   O_NONBLOCK after connect returned; printed on failure too)
  --send DATA      sends DATA (UTF-8)
  --expect-prefix DATA
                   reads until len(DATA) bytes arrived (or EOF) and checks
                   they equal DATA; prints "RECV <repr>" and, on a mismatch,
                   "MISMATCH", exit 1
--signals: a thread interrupts the main thread with SIGUSR1 every
millisecond while connect() runs (EINTR must never reach the application
before the deadline; the handshake resumes under the same deadline).
--v6only sets IPV6_V6ONLY on an AF_INET6 socket; --bind ADDR binds the socket
to ADDR, port 0, before connecting.
--family 6 with an IPv4 HOST connects an AF_INET6 socket to ::ffff:HOST.
Exit status: 0 if connected and every check passed, 1 otherwise. A hard
alarm (default 20 s) turns any hang into "ERR HANG" and exit 1.
"""
import argparse
import errno
import fcntl
import os
import select
import signal
import socket
import sys
import threading
import time


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def errname(code):
    return errno.errorcode.get(code, "E%d" % code)


def on_alarm(signum, frame):
    out("ERR HANG")
    os._exit(1)


def connect_nonblocking(sock, addr, deadline_s):
    rc = sock.connect_ex(addr)
    if rc == 0:
        return 0
    if rc not in (errno.EINPROGRESS, errno.EAGAIN, errno.EALREADY, errno.EINTR):
        return rc
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLOUT)
    if not poller.poll(int(deadline_s * 1000)):
        return errno.ETIMEDOUT
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)


class Interrupter:
    """Sends SIGUSR1 to the main thread every millisecond until stopped."""

    def __init__(self):
        self.count = 0
        self.stop = threading.Event()
        signal.signal(signal.SIGUSR1, self.handler)
        signal.siginterrupt(signal.SIGUSR1, True)
        self.target = threading.main_thread().ident
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def handler(self, signum, frame):
        self.count += 1

    def run(self):
        while not self.stop.wait(0.001):
            signal.pthread_kill(self.target, signal.SIGUSR1)

    def finish(self):
        self.stop.set()
        self.thread.join()
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)


def flags_line(sock):
    nb = fcntl.fcntl(sock.fileno(), fcntl.F_GETFL) & os.O_NONBLOCK
    return "FLAGS " + ("nonblocking" if nb else "blocking")


def recv_exact(sock, n):
    got = b""
    while len(got) < n:
        if not sock.getblocking():
            select.select([sock], [], [], 10)
        try:
            chunk = sock.recv(n - len(got))
        except BlockingIOError:
            continue
        if not chunk:
            break
        got += chunk
    return got


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--nonblocking", action="store_true")
    ap.add_argument("--family", choices=("4", "6"))
    ap.add_argument("--send")
    ap.add_argument("--expect-prefix")
    ap.add_argument("--peername", action="store_true")
    ap.add_argument("--reconnect", action="store_true")
    ap.add_argument("--flags", action="store_true")
    ap.add_argument("--v6only", action="store_true")
    ap.add_argument("--bind")
    ap.add_argument("--signals", action="store_true")
    ap.add_argument("--alarm", type=int, default=20)
    args = ap.parse_args()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.alarm)

    host = args.host
    family = args.family or ("6" if ":" in host else "4")
    if family == "6":
        af = socket.AF_INET6
        if ":" not in host:
            host = "::ffff:" + host
        addr = (host, args.port, 0, 0)
    else:
        af = socket.AF_INET
        addr = (host, args.port)

    sock = socket.socket(af, socket.SOCK_STREAM)
    if args.v6only:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if args.bind is not None:
        sock.bind((args.bind, 0))
    interrupter = Interrupter() if args.signals else None
    if args.nonblocking:
        sock.setblocking(False)
        rc = connect_nonblocking(sock, addr, args.alarm)
    else:
        try:
            sock.connect(addr)
            rc = 0
        except OSError as e:
            rc = e.errno if e.errno is not None else errno.EIO
    if interrupter is not None:
        interrupter.finish()
    out("OK" if rc == 0 else "ERR " + errname(rc))
    if args.flags:
        out(flags_line(sock))
    if rc != 0:
        return 1
    status = 0

    if args.peername:
        peer = sock.getpeername()
        out("PEER %s %d" % (peer[0], peer[1]))
    if args.reconnect:
        rc = sock.connect_ex(addr)
        out("RECONNECT OK" if rc == 0 else "RECONNECT ERR " + errname(rc))
    if args.send is not None:
        data = args.send.encode()
        if args.nonblocking:
            select.select([], [sock], [], 10)
        sock.sendall(data)
    if args.expect_prefix is not None:
        want = args.expect_prefix.encode()
        got = recv_exact(sock, len(want))
        out("RECV %r" % got)
        if got != want:
            out("MISMATCH")
            status = 1
    sock.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
