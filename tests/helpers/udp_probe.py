#!/usr/bin/env python3
"""UDP clients for tests/bats/udp.bats (run under socksify, against the lab's
UDP echo server; every step is bounded by a 5 s socket timeout).

  udp_probe.py echo HOST PORT         sendto/recvfrom (socket family of HOST)
  udp_probe.py msg HOST PORT          sendmsg with 2 iovecs, recvmsg
  udp_probe.py connected HOST PORT    connect; send/recv; write/read; send/recvfrom;
                                      sendmsg (no address)/recvmsg; getpeername
  udp_probe.py name NAME PORT [4|6]   getaddrinfo(NAME, SOCK_DGRAM) -> placeholder;
                                      sendto it, recvfrom reports it
  udp_probe.py peek HOST PORT         MSG_PEEK, then a normal recv: same datagram
  udp_probe.py trunc HOST PORT        100 bytes into a 10-byte buffer
  udp_probe.py size HOST PORT         65507 bytes -> EMSGSIZE; 1200 bytes echo
  udp_probe.py nonblock HOST PORT     EAGAIN before anything arrives; select,
                                      poll, epoll readiness
  udp_probe.py refused HOST PORT [N]  N (default 1) sendto calls that must fail
  udp_probe.py rebind HOST PORT DIR   echo; touch DIR/stage1; wait for DIR/go;
                                      echo again on the same socket
  udp_probe.py loopback               a UDP echo on 127.0.0.1 and ::1 (in a thread)
  udp_probe.py forbidden KIND         KIND: broadcast | multicast | multicast6 |
                                      icmp; the send must fail with EPERM

Prints one "KEY VALUE..." line per check (asserted by the suite) and
"error OP ERRNO" for a socket call that failed unexpectedly (exit 1).
"""
import errno
import ipaddress
import os
import select
import signal
import socket
import sys
import time

TIMEOUT = 5


def ename(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    return errno.errorcode.get(e.errno, str(e.errno))


def fam_of(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def udp(host, timeout=TIMEOUT):
    s = socket.socket(fam_of(host), socket.SOCK_DGRAM)
    s.settimeout(timeout)
    return s


def payload(tag, size=64):
    head = ("%s-%d-" % (tag, os.getpid())).encode()
    return head + os.urandom(max(0, size - len(head)))


def fail(op, e):
    print("error %s %s" % (op, ename(e)))
    sys.exit(1)


def echo_once(s, dest, tag, size=64):
    """sendto + recvfrom on S; prints '<tag> True' and '<tag>-from A P'."""
    msg = payload(tag, size)
    try:
        s.sendto(msg, dest)
    except OSError as e:
        fail("sendto", e)
    try:
        data, src = s.recvfrom(65535)
    except OSError as e:
        fail("recvfrom", e)
    print(tag, data == msg)
    print("%s-from %s %d" % (tag, src[0], src[1]))
    return data == msg


def cmd_echo(host, port):
    s = udp(host)
    echo_once(s, (host, int(port)), "echo", 512)
    # a second datagram on the same association
    echo_once(s, (host, int(port)), "again", 100)


def cmd_msg(host, port):
    s = udp(host)
    dest = (host, int(port))
    a, b = payload("iov1", 40), payload("iov2", 300)
    try:
        n = s.sendmsg([a, b], [], 0, dest)
    except OSError as e:
        fail("sendmsg", e)
    print("sendmsg", n)
    try:
        data, anc, flags, src = s.recvmsg(65535)
    except OSError as e:
        fail("recvmsg", e)
    print("recvmsg", data == a + b, len(data))
    print("flags", flags)
    print("from %s %d" % (src[0], src[1]))


def cmd_connected(host, port):
    s = udp(host)
    dest = (host, int(port))
    try:
        s.connect(dest)
    except OSError as e:
        fail("connect", e)
    peer = s.getpeername()
    print("peer %s %d" % (peer[0], peer[1]))
    msg = payload("send")
    try:
        s.send(msg)
        print("send/recv", s.recv(65535) == msg)
    except OSError as e:
        fail("send/recv", e)
    msg = payload("write")
    try:
        os.write(s.fileno(), msg)
        r, _, _ = select.select([s], [], [], TIMEOUT)
        print("write/read", bool(r) and os.read(s.fileno(), 65535) == msg)
    except OSError as e:
        fail("write/read", e)
    msg = payload("recvfrom")
    try:
        s.send(msg)
        data, src = s.recvfrom(65535)
    except OSError as e:
        fail("send/recvfrom", e)
    print("recvfrom", data == msg, "%s %d" % (src[0], src[1]))
    # sendmsg with no address (msg_name NULL), 2 iovecs; recvmsg
    a, b = payload("csendmsg1", 20), payload("csendmsg2", 30)
    try:
        s.sendmsg([a, b])
        data, anc, flags, src = s.recvmsg(65535)
    except OSError as e:
        fail("sendmsg/recvmsg", e)
    print("sendmsg/recvmsg", data == a + b, "%s %d" % (src[0], src[1]))
    peer = s.getpeername()
    print("peer-after %s %d" % (peer[0], peer[1]))


def cmd_name(name, port, fam="4"):
    family = socket.AF_INET6 if fam == "6" else socket.AF_INET
    ai = socket.getaddrinfo(name, int(port), family, socket.SOCK_DGRAM)
    addr = ai[0][4]
    net = ipaddress.ip_network("fd53:6b73:6679::/64" if fam == "6" else "198.18.0.0/15")
    print("placeholder", ipaddress.ip_address(addr[0]) in net, addr[0])
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    msg = payload("byname")
    try:
        s.sendto(msg, addr)
        data, src = s.recvfrom(65535)
    except OSError as e:
        fail("sendto/recvfrom", e)
    print("echo", data == msg)
    print("from-placeholder", src[0] == addr[0] and src[1] == int(port), src[0], src[1])


def cmd_peek(host, port):
    s = udp(host)
    dest = (host, int(port))
    msg = payload("peek", 200)
    try:
        s.sendto(msg, dest)
        d1, a1 = s.recvfrom(65535, socket.MSG_PEEK)
        d2, a2 = s.recvfrom(65535)
    except OSError as e:
        fail("peek", e)
    print("peek", d1 == msg, "%s %d" % (a1[0], a1[1]))
    print("recv", d2 == msg, "%s %d" % (a2[0], a2[1]))
    # a truly blocking socket (Python's timeouts make the fd non-blocking):
    # MSG_DONTWAIT must not wait for the next datagram (an alarm bounds it)
    s.settimeout(None)
    signal.alarm(3)
    try:
        s.recv(65535, socket.MSG_DONTWAIT)
        print("then queued")
    except BlockingIOError:
        print("then empty")
    except OSError as e:
        fail("recv MSG_DONTWAIT", e)
    signal.alarm(0)


def cmd_trunc(host, port):
    s = udp(host)
    dest = (host, int(port))
    a, b, c = b"A" * 100, b"B" * 100, b"C" * 100
    try:
        s.sendto(a, dest)
        d, src = s.recvfrom(10)
        print("recvfrom", len(d), d == a[:10])
        s.sendto(b, dest)
        d, anc, flags, src = s.recvmsg(10)
        print("recvmsg", len(d), d == b[:10], "MSG_TRUNC" if flags & socket.MSG_TRUNC else "no-MSG_TRUNC")
        # Linux: MSG_TRUNC in the flags returns the datagram's real length
        s.sendto(c, dest)
        buf = bytearray(10)
        n = s.recv_into(buf, 10, socket.MSG_TRUNC)
        print("recv_into-MSG_TRUNC", n, bytes(buf) == c[:10])
    except OSError as e:
        fail("trunc", e)


def cmd_size(host, port):
    s = udp(host)
    dest = (host, int(port))
    try:
        s.sendto(b"x" * 65507, dest)
        print("65507 sent")
    except OSError as e:
        print("65507", ename(e))
    # a new socket: the one above may have an echo queued, if it was sent
    echo_once(udp(host), dest, "1200", 1200)


def cmd_nonblock(host, port):
    s = socket.socket(fam_of(host), socket.SOCK_DGRAM)
    s.setblocking(False)
    dest = (host, int(port))
    try:
        s.recvfrom(65535)
        print("before got-data")
    except BlockingIOError:
        print("before EAGAIN")
    except OSError as e:
        fail("recvfrom", e)

    def send(tag):
        msg = payload(tag)
        try:
            s.sendto(msg, dest)
        except OSError as e:
            fail("sendto", e)
        return msg

    msg = send("select")
    r, _, _ = select.select([s], [], [], TIMEOUT)
    try:
        print("select", bool(r), bool(r) and s.recvfrom(65535)[0] == msg)
    except OSError as e:
        fail("recvfrom", e)
    try:
        s.recvfrom(65535)
        print("after got-data")
    except BlockingIOError:
        print("after EAGAIN")
    except OSError as e:
        fail("recvfrom", e)

    msg = send("poll")
    p = select.poll()
    p.register(s, select.POLLIN)
    ev = p.poll(TIMEOUT * 1000)
    try:
        print("poll", bool(ev), bool(ev) and s.recvfrom(65535)[0] == msg)
    except OSError as e:
        fail("recvfrom", e)

    msg = send("epoll")
    ep = select.epoll()
    ep.register(s.fileno(), select.EPOLLIN)
    ev = ep.poll(TIMEOUT)
    try:
        data, src = s.recvfrom(65535) if ev else (b"", ("", 0))
        print("epoll", bool(ev), data == msg, "%s %d" % (src[0], src[1]))
    except OSError as e:
        fail("recvfrom", e)


def cmd_refused(host, port, count="1"):
    s = udp(host, 10)
    for i in range(int(count)):
        t0 = time.monotonic()
        try:
            s.sendto(payload("refused"), (host, int(port)))
            print("sendto%d sent" % i)
        except OSError as e:
            print("sendto%d %s" % (i, ename(e)))
        print("sendto%d fast %s" % (i, time.monotonic() - t0 < 5))
    # and nothing comes back
    s.settimeout(0.5)
    try:
        s.recvfrom(65535)
        print("recv got-data")
    except socket.timeout:
        print("recv nothing")
    except OSError as e:
        print("recv", ename(e))


def cmd_rebind(host, port, d):
    s = udp(host)
    dest = (host, int(port))
    echo_once(s, dest, "first")
    with open(os.path.join(d, "stage1"), "w"):
        pass
    go = os.path.join(d, "go")
    for _ in range(200):
        if os.path.exists(go):
            break
        time.sleep(0.05)
    else:
        print("no go")
        sys.exit(1)
    # the next datagram must open a new association
    s.settimeout(3)
    msg = payload("second")
    try:
        s.sendto(msg, dest)
        data, src = s.recvfrom(65535)
        print("second", data == msg)
        print("second-from %s %d" % (src[0], src[1]))
        return
    except OSError as e:
        print("second error", ename(e))
    # for the report: does a later one work?
    msg = payload("third")
    try:
        s.sendto(msg, dest)
        print("third", s.recvfrom(65535)[0] == msg)
    except OSError as e:
        print("third error", ename(e))
    sys.exit(1)


def cmd_loopback():
    import threading

    for fam, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        srv = socket.socket(fam, socket.SOCK_DGRAM)
        srv.bind((addr, 0))
        srv.settimeout(TIMEOUT)

        def serve(srv=srv):
            for _ in range(2):
                try:
                    d, a = srv.recvfrom(65535)
                    srv.sendto(d, a)
                except OSError:
                    return

        t = threading.Thread(target=serve, daemon=True)
        t.start()
        tag = "loop4" if fam == socket.AF_INET else "loop6"
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(TIMEOUT)
        echo_once(s, srv.getsockname()[:2], tag)
        c = socket.socket(fam, socket.SOCK_DGRAM)
        c.settimeout(TIMEOUT)
        c.connect(srv.getsockname()[:2])
        msg = payload(tag + "c")
        try:
            c.send(msg)
            print(tag + "-connected", c.recv(65535) == msg)
        except OSError as e:
            fail("connected loopback", e)
        t.join(TIMEOUT)
        print("%s-port %d" % (tag, srv.getsockname()[1]))


def cmd_forbidden(kind):
    if kind == "broadcast":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        msg, dest = b"broadcast", ("255.255.255.255", 7)
    elif kind == "multicast":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        msg, dest = b"multicast", ("239.1.2.3", 7)
    elif kind == "multicast6":
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        msg, dest = b"multicast6", ("ff0e::1:2:3", 7)
    elif kind == "icmp":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP)
        # echo request, id and checksum filled in by the kernel
        msg, dest = b"\x08\x00\x00\x00\x00\x00\x00\x01icmp-probe", (sys.argv[3], 0)
    else:
        sys.exit("unknown kind " + kind)
    s.settimeout(2)
    try:
        s.sendto(msg, dest)
        print(kind, "sent")
    except OSError as e:
        print(kind, ename(e))


def main():
    cmds = {"echo": cmd_echo, "msg": cmd_msg, "connected": cmd_connected,
            "name": cmd_name, "peek": cmd_peek, "trunc": cmd_trunc,
            "size": cmd_size, "nonblock": cmd_nonblock, "refused": cmd_refused,
            "rebind": cmd_rebind, "loopback": cmd_loopback,
            "forbidden": cmd_forbidden}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    if sys.argv[1] == "forbidden":
        cmd_forbidden(sys.argv[2])
    else:
        cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
