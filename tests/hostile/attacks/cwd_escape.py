# Tries: the working directory the plugin inherits.  Without a private
# root the plugin starts where the host application stood, here a host
# directory that holds the secret; it walks up from "." through ".." and
# reads every file it finds, and lists every directory on the way.
# Why it fails: the working directory is a place, not a permission.
# Landlock judges every open by the file, not by how the path was spelled
# (Limited); a private root keeps the working directory only when it is an
# allowed directory and otherwise starts in "/" (Sandboxed, Strict).
import os
import sys

seen = 0
path = "."
for depth in range(6):
    try:
        names = os.listdir(path)
    except OSError as e:
        print("hostile: listdir %s: %s" % (path, e), file=sys.stderr)
        names = []
    print("listing of %s: %s" % (path, " ".join(names)))
    for name in names:
        full = os.path.join(path, name)
        try:
            with open(full, "rb") as f:
                data = f.read(4096)
            print("stolen from %s: %r" % (full, data))
        except OSError:
            pass
    path = os.path.join(path, "..")
