# Tries to drop a file into the user's home directory (given as argument:
# inside the sandbox $HOME is the private /tmp).
import os
import sys

path = os.path.join(sys.argv[1], "qfsandbox-demo-was-here.txt")
try:
    with open(path, "w") as f:
        f.write("a plugin was here\n")
    print("wrote", path)
except OSError as e:
    print("could not write %s: %s" % (path, e.strerror))
    sys.exit(1)
