/* sandbox_fs.c - data dir paths, mounts, safe removal, log tails; see sandbox_int.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"

void sandbox_report_init(struct sandbox_report *r)
{
	buf_init(&r->text);
	r->n = 0;
}

void sandbox_report_free(struct sandbox_report *r)
{
	buf_free(&r->text);
}

void sandbox_report_add(struct sandbox_report *r, const char *fmt, ...)
{
	va_list ap;

	buf_puts(&r->text, "  - ");
	va_start(ap, fmt);
	buf_vprintf(&r->text, fmt, ap);
	va_end(ap);
	buf_puts(&r->text, "\n");
	r->n++;
}

int sandbox_path(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int sandbox_mkdir_p(const char *path, unsigned mode)
{
	char tmp[PATH_MAX];

	if (sandbox_path(tmp, sizeof(tmp), "%s", path) < 0)
		return -ENAMETOOLONG;
	for (char *p = tmp + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char c = *p;

		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		if (!c)
			return 0;
		*p = c;
	}
}

/* "/a//b/./c/../d/" -> "/a/b/d", for a path that does not exist (so
 * realpath cannot help); there are no symlinks to follow in it anyway. */
static void sandbox_normalize(char *path)
{
	char out[PATH_MAX], *save = NULL, *tok;
	size_t len = 0;

	for (tok = strtok_r(path, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (len > 0 && out[--len] != '/')
				;
			continue;
		}
		len += (size_t)snprintf(out + len, sizeof(out) - len, "/%s", tok);
		if (len >= sizeof(out))
			len = sizeof(out) - 1;
	}
	out[len] = '\0';
	strcpy(path, len ? out : "/");
}

int sandbox_resolve_dir(const char *in, int create, char out[PATH_MAX])
{
	char abs[PATH_MAX], cwd[PATH_MAX];
	int rc;

	if (!in || !*in)
		return -EINVAL;
	if (in[0] == '/')
		rc = sandbox_path(abs, sizeof(abs), "%s", in);
	else if (!getcwd(cwd, sizeof(cwd)))
		return -errno;
	else
		rc = sandbox_path(abs, sizeof(abs), "%s/%s", cwd, in);
	if (rc < 0)
		return rc;
	sandbox_normalize(abs);
	if (!strcmp(abs, "/"))
		return -EINVAL;
	if (create && (rc = sandbox_mkdir_p(abs, 0755)) < 0)
		return rc;
	if (!realpath(abs, out)) {
		if (errno != ENOENT && errno != ENOTDIR)
			return -errno;
		strcpy(out, abs);
	}
	return strcmp(out, "/") ? 0 : -EINVAL;
}

int sandbox_path_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	return !strncmp(path, prefix, n) && (path[n] == '\0' || path[n] == '/');
}

void sandbox_mountinfo_unescape(char *s)
{
	char *w = s;

	for (const char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

int sandbox_mounts_under(const char *prefix, sandbox_mount_cb cb, void *arg)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, **found = NULL;
	size_t cap = 0, n = 0, nfound = 0;
	int rc = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *save = NULL, *mnt = strtok_r(line, " ", &save);

		/* id parent major:minor root mount-point ... */
		for (int i = 0; mnt && i < 4; i++)
			mnt = strtok_r(NULL, " ", &save);
		if (!mnt)
			continue;
		sandbox_mountinfo_unescape(mnt);
		if (!sandbox_path_under(mnt, prefix))
			continue;
		if (nfound == n) {
			size_t m = n ? n * 2 : 16;
			char **v = realloc(found, m * sizeof(*v));

			if (!v) {
				rc = -ENOMEM;
				break;
			}
			found = v;
			n = m;
		}
		if (!(found[nfound] = strdup(mnt))) {
			rc = -ENOMEM;
			break;
		}
		nfound++;
	}
	free(line);
	fclose(f);
	/* mountinfo lists mounts in the order they were made: undo from the
	 * last, so a mount on top goes before the one beneath it. */
	for (size_t i = nfound; i-- > 0;) {
		if (rc == 0 && cb)
			cb(found[i], arg);
		free(found[i]);
	}
	free(found);
	return rc < 0 ? rc : (int)nfound;
}

static void sandbox_umount_one(const char *mnt, void *arg)
{
	int *progress = arg;

	if (umount2(mnt, MNT_DETACH | UMOUNT_NOFOLLOW) == 0)
		(*progress)++;
}

void sandbox_umount_under(const char *prefix)
{
	for (int round = 0; round < 8; round++) {
		int progress = 0;

		if (sandbox_mounts_under(prefix, sandbox_umount_one, &progress) <= 0 || !progress)
			return;
	}
}

/* Removes what is inside the directory dfd; never leaves device dev (a
 * mount point below it is left alone and reported as -EBUSY). */
static int sandbox_rm_contents(int dfd, dev_t dev, int depth)
{
	struct dirent *de;
	struct stat st;
	int fd = dup(dfd), rc = 0;
	DIR *d;

	if (depth > 64)
		return -ELOOP;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		const char *name = de->d_name;

		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT)
				rc = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int cfd;

			if (st.st_dev != dev) {
				rc = -EBUSY;
				continue;
			}
			cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (cfd < 0) {
				rc = -errno;
				continue;
			}
			int r = sandbox_rm_contents(cfd, dev, depth + 1);

			close(cfd);
			if (r < 0)
				rc = r;
			else if (unlinkat(dfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
				rc = -errno;
		} else if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
			rc = -errno;
		}
	}
	closedir(d);
	return rc;
}

int sandbox_rm_tree(const char *path)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = sandbox_rm_contents(fd, st.st_dev, 0);
	close(fd);
	if (rc == 0 && rmdir(path) < 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

void sandbox_log_tail(const char *path, int lines, const char *indent)
{
	char text[16384];
	int fd = open(path, O_RDONLY | O_CLOEXEC), seen = 0;
	off_t size;
	ssize_t n;
	char *p;

	if (fd < 0) {
		fprintf(stderr, "%s(no log at %s)\n", indent, path);
		return;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(text) - 1)
		lseek(fd, size - (off_t)sizeof(text) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0) {
		fprintf(stderr, "%s(%s is empty)\n", indent, path);
		return;
	}
	text[n] = '\0';
	if (text[n - 1] == '\n')
		text[--n] = '\0';
	for (p = text + n; p > text; p--)
		if (p[-1] == '\n' && ++seen == lines)
			break;
	fprintf(stderr, "%s--- last lines of %s ---\n", indent, path);
	for (char *save = NULL, *l = strtok_r(p, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "%s%s\n", indent, l);
}

int sandbox_copy_file(const char *src, const char *dst, unsigned mode)
{
	char tmp[PATH_MAX], data[65536];
	int in, out, rc = 0;
	ssize_t n;

	if (sandbox_path(tmp, sizeof(tmp), "%s.tmp", dst) < 0)
		return -ENAMETOOLONG;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	n = read(in, data, sizeof(data));
	close(in);
	if (n < 0 || n == (ssize_t)sizeof(data))
		return n < 0 ? -errno : -EFBIG;
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (out < 0)
		return -errno;
	if (fchmod(out, mode) < 0 || write(out, data, (size_t)n) != n || fsync(out) < 0)
		rc = errno ? -errno : -EIO;
	if (close(out) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = -errno;
	if (rc < 0)
		unlink(tmp);
	return rc;
}
