# Tries to open a TCP connection to a port on this machine's loopback.
import socket
import sys

port = int(sys.argv[1])
try:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"hello from a plugin\n")
    print("connected to 127.0.0.1:%d" % port)
except OSError as e:
    print("could not connect to 127.0.0.1:%d: %s" % (port, e.strerror))
    sys.exit(1)
