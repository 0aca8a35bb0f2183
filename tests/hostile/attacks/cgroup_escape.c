/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: its cgroups, which hold its limits: raise memory.limit_in_bytes,
 * memory.max and pids.max of its own cgroup, move itself into the parent
 * and the root cgroup (out of its limits and of the kill that ends the
 * sandbox), create a child cgroup of its own, and set release_agent and
 * notify_on_release (CVE-2022-0492: the kernel runs the release agent as
 * root on the host).  It reads its cgroups from /proc/self/cgroup and the
 * v1 and v2 mounts under /sys/fs/cgroup.
 * Why it fails: cgroup files belong to the supervisor (root, or the
 * supervisor's uid, never the plugin's when started by root); Landlock
 * grants nothing under /sys (Limited); a private root has no /sys and a
 * cgroup namespace hides the host's paths (Sandboxed, Strict).  The runner
 * reads the sandbox's limits, the plugin's cgroup membership and the
 * hierarchy's release_agent from the host while it holds.
 */
#include "../hostile.h"

static void put(const char *dir, const char *file, const char *value)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (attempt(path, fd) >= 0) {
        attempt("write", write(fd, value, strlen(value)));
        close(fd);
    }
}

static void attack(const char *mount, const char *own)
{
    char dir[4096], parent[4096], child[4200], pid[32];

    snprintf(dir, sizeof(dir), "%s%s", mount, own);
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (slash && slash > parent + strlen(mount))
        *slash = '\0';
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    put(dir, "memory.limit_in_bytes", "-1");
    put(dir, "memory.memsw.limit_in_bytes", "-1");
    put(dir, "memory.max", "max");
    put(dir, "pids.max", "max");
    put(dir, "notify_on_release", "1");
    put(mount, "release_agent", "/tmp/pwned");
    put(parent, "cgroup.procs", pid);
    put(mount, "cgroup.procs", pid);
    snprintf(child, sizeof(child), "%s/escape", dir);
    if (attempt(child, mkdir(child, 0755)) == 0)
        put(child, "cgroup.procs", pid);
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *ctrl = strchr(line, ':'), *path = ctrl ? strchr(ctrl + 1, ':') : NULL;
        if (!path)
            continue;
        *path++ = '\0';
        ctrl++;
        char mount[512];
        if (!*ctrl)
            snprintf(mount, sizeof(mount), "/sys/fs/cgroup/unified");
        else
            snprintf(mount, sizeof(mount), "/sys/fs/cgroup/%s",
                strncmp(ctrl, "name=", 5) ? ctrl : ctrl + 5);
        attack(mount, path);
    }
    return finish();
}
