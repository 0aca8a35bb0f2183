# Tries to read a file outside its own directory (the path is its argument).
import sys

path = sys.argv[1]
try:
    with open(path) as f:
        print("read %s: %r" % (path, f.read().strip()))
except OSError as e:
    print("could not read %s: %s" % (path, e.strerror))
    sys.exit(1)
