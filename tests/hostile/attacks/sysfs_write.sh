#!/bin/sh
# Tries: change the host through /sys with nothing but shell redirections:
# the loopback interface's MTU, kernel same-page merging, transparent huge
# pages, the CPU frequency governor, a block device's scheduler.
# Why it fails: /sys is root's; Landlock grants nothing under /sys
# (Limited); a private root has no /sys at all (Sandboxed, Strict).  The
# runner compares the host's loopback MTU before and after.
for f in /sys/class/net/lo/mtu:1400 \
         /sys/kernel/mm/ksm/run:1 \
         /sys/kernel/mm/transparent_hugepage/enabled:never \
         /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor:powersave \
         /sys/block/vda/queue/scheduler:none; do
    path=${f%%:*}
    value=${f#*:}
    if { echo "$value" > "$path"; } 2>/dev/null; then
        echo "hostile: wrote $path" >&2
    else
        echo "hostile: $path: refused" >&2
    fi
done
