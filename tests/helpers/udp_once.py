#!/usr/bin/env python3
"""One UDP exchange for the failure suites, run under socksify.

  udp_once.py HOST PORT [--timeout SECONDS] [--count N]

Sends "ping-I" (I = 1..N, default 1) to HOST:PORT by sendto() on one
unconnected socket and waits for each answer; prints one line per answer,
"ECHO <payload> FROM <ip> <port>", or "ERR <NAME>" (the errno's name) when
the send or receive fails, or "TIMEOUT" when nothing comes in time. Every
datagram received is printed, so one that should have been dropped shows.
Exit status 0 when every answer was the matching ping, 1 otherwise.
"""
import argparse
import errno
import socket
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--count", type=int, default=1)
    args = ap.parse_args()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(args.timeout)
    ok = True
    for i in range(1, args.count + 1):
        want = ("ping-%d" % i).encode()
        try:
            s.sendto(want, (args.host, args.port))
            data, src = s.recvfrom(65535)
        except socket.timeout:
            print("TIMEOUT")
            return 1
        except OSError as e:
            print("ERR " + errno.errorcode.get(e.errno, str(e.errno)))
            return 1
        print("ECHO %s FROM %s %d" % (data.decode("latin-1"), src[0], src[1]))
        ok = ok and data == want
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
