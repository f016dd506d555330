/*
 * pki_file.c - small file primitives for key material: atomic replacement,
 * bounded whole-file reads, mkdir -p.
 */
#include "server/pki.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"

int pki_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char tmp[4200], dirpath[4096];
	const char *p = data, *slash;
	int fd, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, (mode_t)mode) < 0)
		rc = -errno;
	while (!rc && len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = -errno;
		else {
			p += w;
			len -= (size_t)w;
		}
	}
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return rc;
	}
	/* The rename itself is only durable once the directory is synced. */
	slash = strrchr(path, '/');
	if (slash) {
		size_t n = (size_t)(slash - path);

		if (n == 0)
			n = 1;
		if (n < sizeof(dirpath)) {
			memcpy(dirpath, path, n);
			dirpath[n] = '\0';
		} else {
			return 0;
		}
	} else {
		strcpy(dirpath, ".");
	}
	fd = open(dirpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}

int pki_read_file(const char *path, size_t max, char **out, size_t *len)
{
	buf b = BUF_INIT;
	struct stat st;
	int fd, rc = 0;

	*out = NULL;
	if (len)
		*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	for (;;) {
		ssize_t r;

		if (buf_reserve(&b, 4096) < 0) {
			rc = -ENOMEM;
			goto out;
		}
		r = read(fd, b.data + b.len, b.cap - b.len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			goto out;
		}
		if (r == 0)
			break;
		b.len += (size_t)r;
		if (b.len > max) {
			rc = -EFBIG;
			goto out;
		}
	}
	if (buf_cstr(&b) < 0) {
		rc = -ENOMEM;
		goto out;
	}
	if (len)
		*len = b.len;
	*out = buf_steal(&b, NULL);
out:
	close(fd);
	buf_free(&b);
	return rc;
}

int pki_mkdir_p(const char *path, unsigned mode)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(tmp))
		return -ENAMETOOLONG;
	memcpy(tmp, path, n + 1);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	if (mkdir(tmp, (mode_t)mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}
