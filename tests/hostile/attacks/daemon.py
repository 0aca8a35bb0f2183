# Tries: outlive the sandbox from Python, the way daemon libraries do:
# fork, setsid, fork again, ignore SIGTERM/SIGHUP/SIGINT, close the
# standard descriptors and sleep; the main process returns at once.  The
# run token stays in the daemon's command line (the interpreter keeps
# sys.argv there).
# Why it fails: the sandbox ends every process the plugin made when the
# main process ends (pid namespace, cgroup, or the init at Limited).
import os
import signal
import sys
import time

try:
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            for s in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
                signal.signal(s, signal.SIG_IGN)
            os.close(0)
            os.close(1)
            os.close(2)
            while True:
                time.sleep(1)
        os._exit(0)
    os.wait()
except OSError as e:
    print("hostile: fork: %s" % e, file=sys.stderr)
