#!/usr/bin/python3
# The test "internet" of the network tests: a DNS server and TCP/HTTP hosts
# on addresses of the test's own network namespace (which has no interface
# but lo, so nothing here can reach, or be reached from, outside the
# machine).  Everything it sees goes to the log, one line per event, so
# that the tests judge from the server's side:
#
#   dns NAME TYPE                    a query (answered from --zone, else NXDOMAIN)
#   conn LOCAL_ADDR                  a TCP connection accepted on LOCAL_ADDR
#   data LOCAL_ADDR TEXT             bytes received there (echoed back)
#   http LOCAL_ADDR METHOD PATH HOST an HTTP request (answered 200, body: LOCAL_ADDR)
#
# Usage: testnet.py --log FILE --dns ADDR:PORT --zone NAME=ADDR... --tcp ADDR:PORT...
# Prints "ready" on stdout once every socket is bound.
import argparse
import ipaddress
import socket
import struct
import sys
import threading

log_lock = threading.Lock()
log_file = None


def log(line):
    with log_lock:
        log_file.write(line + "\n")
        log_file.flush()


def split_hostport(text):
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def read_name(msg, off):
    labels = []
    while True:
        n = msg[off]
        if n == 0:
            return ".".join(labels), off + 1
        if n & 0xC0:
            raise ValueError("no compression in queries")
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n


def dns_answer(query, zone):
    qid, flags, qd = struct.unpack("!HHH", query[:6])
    if qd != 1:
        return None
    name, end = read_name(query, 12)
    qtype, qclass = struct.unpack("!HH", query[end:end + 4])
    question = query[12:end + 4]
    name = name.lower().rstrip(".")
    log("dns %s %d" % (name, qtype))
    addrs = zone.get(name)
    rcode = 0 if addrs is not None else 3
    answers = b""
    count = 0
    for a in addrs or []:
        ip = ipaddress.ip_address(a)
        if (qtype == 1 and ip.version == 4) or (qtype == 28 and ip.version == 6):
            answers += struct.pack("!HHHIH", 0xC00C, qtype, 1, 30, len(ip.packed)) + ip.packed
            count += 1
    header = struct.pack("!HHHHHH", qid, 0x8180 | rcode | (flags & 0x0100), 1, count, 0, 0)
    return header + question + answers


def serve_dns(addr, zone):
    host, port = split_hostport(addr)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, port))

    def loop():
        while True:
            data, peer = s.recvfrom(4096)
            try:
                reply = dns_answer(data, zone)
            except Exception as e:  # a malformed query: say so, answer nothing
                log("dns-error %s" % e)
                continue
            if reply:
                s.sendto(reply, peer)

    threading.Thread(target=loop, daemon=True).start()


def handle(conn, local):
    log("conn %s" % local)
    buf = b""
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            buf += chunk
            if buf.startswith((b"GET ", b"POST ", b"HEAD ")):
                if b"\r\n\r\n" not in buf:
                    continue
                head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
                method, path = head[0].split(" ")[:2]
                host = ""
                for h in head[1:]:
                    if h.lower().startswith("host:"):
                        host = h[5:].strip()
                log("http %s %s %s %s" % (local, method, path, host))
                body = local.encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(body), body))
                break
            log("data %s %s" % (local, chunk.decode("latin-1").strip()))
            conn.sendall(chunk)
    except OSError:
        pass
    finally:
        conn.close()


def serve_tcp(addr):
    host, port = split_hostport(addr)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, port))
    s.listen(64)
    local = host

    def loop():
        while True:
            conn, _ = s.accept()
            threading.Thread(target=handle, args=(conn, local), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def main():
    global log_file
    p = argparse.ArgumentParser()
    p.add_argument("--log", required=True)
    p.add_argument("--dns", required=True)
    p.add_argument("--zone", action="append", default=[])
    p.add_argument("--tcp", action="append", default=[])
    args = p.parse_args()
    log_file = open(args.log, "a")
    zone = {}
    for z in args.zone:
        name, addr = z.split("=", 1)
        zone.setdefault(name.lower(), []).append(addr)
    serve_dns(args.dns, zone)
    for t in args.tcp:
        serve_tcp(t)
    print("ready", flush=True)
    sys.stdin.read()  # until the test closes our stdin


if __name__ == "__main__":
    main()
