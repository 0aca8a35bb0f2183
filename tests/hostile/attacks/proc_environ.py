# Tries: /proc/PID/environ of every process it can see: the victim (a
# process of the plugin's own uid) keeps a secret in its environment, and
# so does the supervisor, whose environment the plugin was not given.
# Why it fails: reading another process's environ needs ptrace access to
# it, which Landlock's scoping denies outside the sandbox's domain
# (Limited); the pid namespace shows no host process (Sandboxed, Strict).
import os
import sys

args = dict(a.split("=", 1) for a in sys.argv[1:] if "=" in a)
pids = [args.get("victim"), args.get("supervisor"), "1"]
pids += [p for p in os.listdir("/proc") if p.isdigit()]
for pid in pids:
    if not pid:
        continue
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            print("stolen from %s: %r" % (pid, f.read()))
    except OSError as e:
        print("hostile: /proc/%s/environ: %s" % (pid, e), file=sys.stderr)
