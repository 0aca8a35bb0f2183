#!/bin/bash
# Tries: reach a host TCP service with nothing but bash: its /dev/tcp
# redirection opens a socket without any network tool.  A plugin that
# ships as a shell script needs no binary to exfiltrate.  Arguments are
# key=value; it wants tcp=PORT.
# Why it fails: it is an ordinary socket() and connect() underneath: the
# filter refuses AF_INET at Limited, and the private network namespace
# has no route to the host (Sandboxed, Strict).  The runner's listener
# judges; in the control run (network allowed) it gets the greeting.
for a in "$@"; do
    case "$a" in tcp=*) port=${a#tcp=} ;; esac
done
if { exec 3<>"/dev/tcp/127.0.0.1/$port"; } 2>/dev/null; then
    echo hello >&3
    echo "hostile: connected to port $port" >&2
else
    echo "hostile: /dev/tcp/127.0.0.1/$port refused" >&2
fi
