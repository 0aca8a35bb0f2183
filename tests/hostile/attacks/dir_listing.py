# Tries: to learn what the host keeps where, by listing directories: the
# root, the host's /tmp, /home, /root, the parent of every path it was
# told about, recursively two levels deep.  A file name can be a secret
# too (the runner hides one whose name no attack is told).
# Why it fails: Landlock's READ_DIR is granted only on the runtime
# directories and the allowed ones (Limited); a private root holds nothing
# else (Sandboxed, Strict).
import os
import sys

args = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)
starts = ["/", "/tmp", "/home", "/root", "/var/tmp"]
for key in ("secret", "outside", "drop", "tools"):
    if key in args:
        starts.append(os.path.dirname(args[key]))


def walk(path, depth):
    try:
        names = os.listdir(path)
    except OSError as e:
        print("hostile: listdir %s: %s" % (path, e), file=sys.stderr)
        return
    print("listing of %s: %s" % (path, " ".join(names)))
    if depth > 0:
        for name in names:
            walk(os.path.join(path, name), depth - 1)


for start in starts:
    walk(start, 2)
