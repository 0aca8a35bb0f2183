/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers shared by every file of the core: cleanup attributes for
 * memory and descriptors, string equality, array length, and filling a
 * qfs_error.  Keep this file small; anything with a concern of its own gets
 * its own file.
 */
#ifndef QFS_UTIL_H
#define QFS_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <qfsandbox/common.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(f)	 __attribute__((cleanup(f)))
#define _cleanup_free_	 _cleanup_(freep)
#define _cleanup_close_	 _cleanup_(closep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _printf_(a, b)	 __attribute__((format(printf, a, b)))
#define _unused_	 __attribute__((unused))
#define _likely_(x)	 __builtin_expect(!!(x), 1)
#define _unlikely_(x)	 __builtin_expect(!!(x), 0)

static inline bool streq(const char *a, const char *b)
{
	return strcmp(a, b) == 0;
}

/* Closes @fd if it is open, keeping errno, and returns -1 so that
 * `fd = close_safe(fd);` leaves no stale descriptor behind. */
static inline int close_safe(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -1;
}

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	close_safe(*fd);
}

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

/* Hands a cleanup-owned pointer or descriptor over to the caller. */
#define TAKE_PTR(p)                                                                                \
	({                                                                                         \
		__typeof__(p) _taken = (p);                                                        \
		(p) = NULL;                                                                        \
		_taken;                                                                            \
	})
#define TAKE_FD(fd)                                                                                \
	({                                                                                         \
		int _taken = (fd);                                                                 \
		(fd) = -1;                                                                         \
		_taken;                                                                            \
	})

/*
 * error_set() - fill @err (when not NULL) with @field, the positive @errnum
 * (0 when none) and a printf-style message; clears the position.
 * Return: -EINVAL when @errnum is 0, else -@errnum, so that a caller can
 * `return error_set(err, ...);`.
 */
int error_set(qfs_error *err, const char *field, int errnum, const char *fmt, ...) _printf_(4, 5);

/* error_setv() - error_set() with a va_list. */
int error_setv(qfs_error *err, const char *field, int errnum, const char *fmt, va_list ap)
	_printf_(4, 0);

/* error_set_position() - attach a source name and a 1-based position. */
void error_set_position(qfs_error *err, const char *source, unsigned line, unsigned column);

/*
 * pread_text() - a small text file (a cgroup or /proc file) from offset 0
 * into @buf, NUL-terminated; kernfs and procfs regenerate the text on
 * each read, so one open descriptor serves many reads.
 * Return: the length, or -errno.
 */
static inline ssize_t pread_text(int fd, char *buf, size_t size)
{
	ssize_t n;

	if (fd < 0)
		return -EBADF;
	do
		n = pread(fd, buf, size - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* read_text_at() - pread_text() of @name opened relative to @dfd. */
static inline ssize_t read_text_at(int dfd, const char *name, char *buf, size_t size)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	return pread_text(fd, buf, size);
}

#endif /* QFS_UTIL_H */
