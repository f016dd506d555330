/*
 * sandbox_down.c - `svcnet down`, also what a failed or interrupted `up`
 * runs: processes first (so nothing recreates what is being removed), then
 * the mounts under the data dir, the fabric, and the files.
 *
 * It works from scans, not only from sandbox.json, so it cleans up after an
 * `up` that was SIGKILLed halfway, and running it again finds nothing to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/podfs.h"
#include "lib/log.h"
#include "sandbox/sandbox_int.h"

/* Exactly what `up` creates in the data dir; nothing else is touched. */
const char *const sandbox_owned_entries[] = {
    "sandbox.json", "sandbox.json.tmp", "kubeconfig", "kubeconfig.tmp", "server", "nodes", "logs",
    NULL,
};

/* A data dir's kubeconfig is ours only when it points at the fabric: with
 * --data-dir pointing at a real server's directory, its admin kubeconfig
 * must survive. */
static int sandbox_kubeconfig_is_ours(const char *path)
{
	char text[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? 0 : 1;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n < 0)
		return 1;
	text[n] = '\0';
	return strstr(text, "https://" SANDBOX_LISTEN) != NULL;
}

void sandbox_remove_owned(const char *dir, struct sandbox_report *r)
{
	char path[PATH_MAX];
	int rc;

	for (int i = 0; sandbox_owned_entries[i]; i++) {
		if (sandbox_path(path, sizeof(path), "%s/%s", dir, sandbox_owned_entries[i]) < 0)
			continue;
		if (!strcmp(sandbox_owned_entries[i], "kubeconfig") &&
		    !sandbox_kubeconfig_is_ours(path))
			continue;
		/* Removing through a mount would delete what it shows. */
		rc = sandbox_mounts_under(path, NULL, NULL);
		if (rc > 0) {
			sandbox_report_add(r, "%d mount%s under %s", rc, rc == 1 ? "" : "s", path);
			continue;
		}
		rc = sandbox_rm_tree(path);
		if (rc < 0)
			sandbox_report_add(r, "%s: %s", path, strerror(-rc));
	}
	/* The directory itself only when nothing but ours was in it. */
	if (rmdir(dir) < 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST)
		log_debug("sandbox", "%s: %s", dir, strerror(errno));
}

int sandbox_record_write(const char *dir)
{
	char text[PATH_MAX + 2];

	snprintf(text, sizeof(text), "%s\n", dir);
	return podfs_write_file(SANDBOX_RECORD, text, 1);
}

/* The data dir the record names, when it is another sandbox's than dir:
 * 1 and out, else 0. */
static int sandbox_record_other(const char *dir, char out[PATH_MAX])
{
	char text[PATH_MAX], probe[PATH_MAX];
	ssize_t n;
	int fd = open(SANDBOX_RECORD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	text[strcspn(text, "\n")] = '\0';
	/* Only an absolute path that still looks like a sandbox's data dir:
	 * the record must never steer a removal anywhere else. */
	if (text[0] != '/' || !strcmp(text, "/") || !strcmp(text, dir) ||
	    sandbox_path(probe, sizeof(probe), "%s/sandbox.json", text) < 0 ||
	    access(probe, F_OK) < 0)
		return 0;
	strcpy(out, text);
	return 1;
}

static void sandbox_teardown_dir(const char *dir, struct sandbox_report *r)
{
	struct sandbox_state st;
	char path[PATH_MAX];
	int have = sandbox_state_read(dir, &st) == 0;

	sandbox_kill_all(dir, have ? &st : NULL, r);
	/* The Pods' namespace pins (and anything else mounted in our part of
	 * the data dir). */
	for (int i = 0; sandbox_owned_entries[i]; i++)
		if (sandbox_path(path, sizeof(path), "%s/%s", dir, sandbox_owned_entries[i]) == 0)
			sandbox_umount_under(path);
}

int sandbox_teardown(const char *dir, int quiet)
{
	struct sandbox_report r;
	char other[PATH_MAX], what[128];
	int has_other = sandbox_record_other(dir, other);

	sandbox_report_init(&r);
	if (!quiet)
		log_info("sandbox", "tearing down the sandbox in %s", dir);
	if (has_other)
		log_info("sandbox", "the sandbox was made with --data-dir %s: removing that too",
		         other);
	sandbox_teardown_dir(dir, &r);
	if (has_other)
		sandbox_teardown_dir(other, &r);
	sandbox_fabric_teardown(&r);
	sandbox_remove_owned(dir, &r);
	if (has_other)
		sandbox_remove_owned(other, &r);
	if (r.n == 0 && sandbox_fabric_present(what, sizeof(what)))
		sandbox_report_add(&r, "%s", what);
	if (unlink(SANDBOX_RECORD) < 0 && errno != ENOENT)
		sandbox_report_add(&r, "%s: %s", SANDBOX_RECORD, strerror(errno));
	if (r.n) {
		buf_cstr(&r.text);
		fprintf(stderr, "svcnet down: could not remove everything:\n%s",
		        buf_head(&r.text) ? buf_head(&r.text) : "");
		sandbox_report_free(&r);
		return 1;
	}
	if (!quiet)
		log_info("sandbox", "nothing of the sandbox is left");
	sandbox_report_free(&r);
	return 0;
}

int sandbox_down(const char *data_dir)
{
	char dir[PATH_MAX];
	int rc = sandbox_resolve_dir(data_dir ? data_dir : SANDBOX_DEFAULT_DIR, 0, dir);

	if (rc < 0) {
		fprintf(stderr, "svcnet down: refusing data dir \"%s\": %s\n",
		        data_dir ? data_dir : "",
		        rc == -EINVAL ? "not a sandbox directory" : strerror(-rc));
		return 2;
	}
	return sandbox_teardown(dir, 0);
}
