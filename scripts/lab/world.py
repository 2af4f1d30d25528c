#!/usr/bin/env python3
"""World-side servers of the socksify test lab.

Serves, on every address given with --addr (IPv4 or IPv6 literal):
  * HTTP on --http-port, files from --root (threaded);
  * TCP echo on --echo-port (one thread per connection);
  * UDP echo on --udp-echo-port: every datagram goes back to its sender,
    unchanged (one thread per address).
Writes "ready" to --ready once every socket is listening.
"""
import argparse
import functools
import http.server
import os
import signal
import socket
import socketserver
import sys
import threading


class EchoHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                sock.sendall(data)
        except OSError:
            pass


class QuietHTTPHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("http %s %s\n" % (self.client_address[0], fmt % args))
        sys.stderr.flush()


def udp_echo(sock):
    while True:
        try:
            data, peer = sock.recvfrom(65535)
            sock.sendto(data, peer)
        except OSError as e:
            sys.stderr.write("udp echo: %s\n" % e)
            sys.stderr.flush()


def make_udp_echo(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    sock.bind((addr, port))
    return sock


def make_server(base, addr, port, handler):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    class Server(base):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 1024

    return Server((addr, port), handler)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", action="append", required=True)
    ap.add_argument("--http-port", type=int, default=80)
    ap.add_argument("--echo-port", type=int, default=7)
    ap.add_argument("--udp-echo-port", type=int, default=7)
    ap.add_argument("--root", required=True)
    ap.add_argument("--ready", required=True)
    a = ap.parse_args()

    handler = functools.partial(QuietHTTPHandler, directory=a.root)
    servers = []
    for addr in a.addr:
        servers.append(make_server(http.server.ThreadingHTTPServer, addr,
                                   a.http_port, handler))
        servers.append(make_server(socketserver.ThreadingTCPServer, addr,
                                   a.echo_port, EchoHandler))
    udp = [make_udp_echo(addr, a.udp_echo_port) for addr in a.addr]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    for sock in udp:
        threading.Thread(target=udp_echo, args=(sock,), daemon=True).start()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(a.ready + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(a.ready + ".tmp", a.ready)
    stop.wait()
    os._exit(0)


if __name__ == "__main__":
    main()
