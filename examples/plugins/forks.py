# Tries to start another process.
import os
import sys

try:
    pid = os.fork()
except OSError as e:
    print("fork refused:", e.strerror)
    sys.exit(1)
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
print("forked a child process")
