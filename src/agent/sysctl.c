/*
 * sysctl.c - kernel parameters through /proc/sys.
 */
#include "agent/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The path is built from caller text (interface names); refuse anything that
 * could climb out of /proc/sys or name something odd. */
static int sysctl_path(const char *path, char *out, size_t outlen)
{
	const char *p = path;
	int n;

	if (!path || !*path || *path == '/')
		return -EINVAL;
	while (*p) {
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)p[i] <= ' ' || p[i] == 0x7f)
				return -EINVAL;
		p += len;
		if (*p == '/' && *++p == '\0')
			return -EINVAL; /* trailing slash */
	}
	n = snprintf(out, outlen, "/proc/sys/%s", path);
	if (n < 0 || (size_t)n >= outlen)
		return -EINVAL;
	return 0;
}

int sysctl_set(const char *path, const char *value)
{
	char file[256];
	size_t len;
	ssize_t w;
	int fd, r = sysctl_path(path, file, sizeof(file));

	if (r < 0)
		return r;
	if (!value)
		return -EINVAL;
	len = strlen(value);
	fd = open(file, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* One write: the kernel parses each write as a whole value. */
	do
		w = write(fd, value, len);
	while (w < 0 && errno == EINTR);
	r = w < 0 ? -errno : (size_t)w != len ? -EIO : 0;
	close(fd);
	return r;
}

int sysctl_get(const char *path, char *out, size_t outlen)
{
	char file[256];
	ssize_t n;
	int fd, r = sysctl_path(path, file, sizeof(file));

	if (r < 0)
		return r;
	if (!out || outlen == 0)
		return -EINVAL;
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		n = read(fd, out, outlen);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return r;
	/* A full buffer may mean more was left unread. */
	if ((size_t)n >= outlen)
		return -ENOSPC;
	while (n > 0 && out[n - 1] == '\n')
		n--;
	out[n] = '\0';
	return (int)n;
}
