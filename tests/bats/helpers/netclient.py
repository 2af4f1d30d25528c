#!/usr/bin/env python3
"""Small TCP clients for the integration suites.

  netclient.py echo   HOST PORT [--family 4|6] [--size N]
      blocking socket: connect, send N random bytes, read them back.
  netclient.py aecho  HOST PORT [--size N]
      asyncio.open_connection (non-blocking connect), same exchange.
  netclient.py nbecho HOST PORT [--family 4|6] [--size N]
      raw non-blocking connect (EINPROGRESS, select, SO_ERROR), same exchange.
  netclient.py peer   HOST PORT [--family 4|6]
      connect, print "HOST PORT" from getpeername(), then one echo exchange.

Prints "ok N" after a successful exchange; exits 1 on any mismatch, and
prints "ERR <ERRNO NAME>" when a socket call fails.
"""
import argparse
import asyncio
import errno
import os
import select
import socket
import sys
import threading


def family_of(args):
    if args.family == "6":
        return socket.AF_INET6
    if args.family == "4":
        return socket.AF_INET
    return socket.AF_INET6 if ":" in args.host else socket.AF_INET


def exchange(sock, size):
    payload = os.urandom(size)
    err = []

    def send():
        try:
            sock.sendall(payload)
        except OSError as e:  # pragma: no cover - reported below
            err.append(e)

    t = threading.Thread(target=send)
    t.start()
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    t.join()
    if err:
        raise err[0]
    if bytes(got) != payload:
        sys.exit("echo mismatch: sent %d bytes, got %d back%s"
                 % (size, len(got), "" if len(got) != size else " (different)"))
    print("ok %d" % size)


def cmd_echo(args):
    s = socket.socket(family_of(args), socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    s.connect((args.host, args.port))
    exchange(s, args.size)
    s.close()


def cmd_nbecho(args):
    s = socket.socket(family_of(args), socket.SOCK_STREAM)
    s.setblocking(False)
    rc = s.connect_ex((args.host, args.port))
    if rc not in (0, errno.EINPROGRESS):
        sys.exit("connect: %s" % os.strerror(rc))
    if rc == errno.EINPROGRESS:
        _, w, _ = select.select([], [s], [], args.timeout)
        if not w:
            sys.exit("connect: timed out")
        rc = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if rc:
            sys.exit("connect: %s" % os.strerror(rc))
    s.setblocking(True)
    s.settimeout(args.timeout)
    exchange(s, args.size)
    s.close()


def cmd_aecho(args):
    async def run():
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.host, args.port), args.timeout)
        payload = os.urandom(args.size)
        writer.write(payload)
        await writer.drain()
        got = await asyncio.wait_for(reader.readexactly(args.size), args.timeout)
        writer.close()
        await writer.wait_closed()
        if got != payload:
            sys.exit("echo mismatch")
        print("ok %d" % args.size)

    asyncio.run(run())


def cmd_peer(args):
    s = socket.socket(family_of(args), socket.SOCK_STREAM)
    s.settimeout(args.timeout)
    s.connect((args.host, args.port))
    peer = s.getpeername()
    print("%s %d" % (peer[0], peer[1]))
    exchange(s, 16)
    s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["echo", "aecho", "nbecho", "peer"])
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--family", choices=["4", "6"])
    ap.add_argument("--size", type=int, default=65536)
    ap.add_argument("--timeout", type=float, default=10)
    args = ap.parse_args()
    try:
        globals()["cmd_" + args.cmd](args)
    except OSError as e:
        # one line on stdout, so that tests can tell errnos apart
        print("ERR %s" % errno.errorcode.get(e.errno, e.errno))
        sys.exit(1)


if __name__ == "__main__":
    main()
