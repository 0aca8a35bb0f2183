# qfs-probe as a Python plugin: the same commands the live tests use most,
# the same exit statuses (0 done, 1 refused, 2 bad usage).
import os
import sys
import threading


def main(argv):
    if len(argv) < 2:
        return 2
    cmd, args = argv[1], argv[2:]
    try:
        if cmd == "exit":
            return int(args[0])
        if cmd == "cat":
            with open(args[0], "rb") as f:
                sys.stdout.buffer.write(f.read())
            return 0
        if cmd == "write":
            with open(args[0], "w") as f:
                f.write(args[1])
            return 0
        if cmd == "threads":
            done = []
            threads = [threading.Thread(target=lambda: done.append(1)) for _ in range(int(args[0]))]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return 0 if len(done) == int(args[0]) else 1
        if cmd == "exec":
            os.execv(args[0], args)
    except OSError as e:
        print("probe.py: %s: %s" % (cmd, e), file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
