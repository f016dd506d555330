/* test_sandbox.c - the sandbox's pure helpers: paths, mountinfo, /proc, state, removal. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox_int.h"
#include "unit.h"

UNIT_TEST(test_sandbox_names)
{
	char name[32], ip[16], netns[64], veth[16];

	sandbox_node_name(2, name);
	sandbox_node_ip(2, ip);
	sandbox_node_netns(2, netns);
	sandbox_node_veth(2, veth);
	CHECK_STR(name, "node-2");
	CHECK_STR(ip, "198.18.0.12");
	CHECK_STR(netns, "/run/netns/svcnet-node-2");
	CHECK_STR(veth, "svn-node-2");
	sandbox_node_ip(SANDBOX_MAX_NODES, ip);
	CHECK_STR(ip, "198.18.0.210");
	sandbox_node_veth(SANDBOX_MAX_NODES, veth);
	CHECK_STR(veth, "svn-node-200");
}

UNIT_TEST(test_sandbox_mountinfo_unescape)
{
	char s[] = "/tmp/a\\040b\\011c\\134d\\012e", plain[] = "/x/y", odd[] = "/a\\9b\\04";

	sandbox_mountinfo_unescape(s);
	CHECK_STR(s, "/tmp/a b\tc\\d\ne");
	sandbox_mountinfo_unescape(plain);
	CHECK_STR(plain, "/x/y");
	sandbox_mountinfo_unescape(odd); /* not escapes: left alone */
	CHECK_STR(odd, "/a\\9b\\04");
}

UNIT_TEST(test_sandbox_path_under)
{
	CHECK(sandbox_path_under("/a/b", "/a"));
	CHECK(sandbox_path_under("/a", "/a"));
	CHECK(sandbox_path_under("/a/b/c", "/a/b/"));
	CHECK(!sandbox_path_under("/ab", "/a"));
	CHECK(!sandbox_path_under("/a", "/a/b"));
	CHECK(!sandbox_path_under("/b/a", "/a"));
}

UNIT_TEST(test_sandbox_resolve_dir)
{
	char out[PATH_MAX], cwd[PATH_MAX], want[PATH_MAX + 32];

	CHECK_INT(sandbox_resolve_dir("", 0, out), -EINVAL);
	CHECK_INT(sandbox_resolve_dir(NULL, 0, out), -EINVAL);
	CHECK_INT(sandbox_resolve_dir("/", 0, out), -EINVAL);
	CHECK_INT(sandbox_resolve_dir("//", 0, out), -EINVAL);
	CHECK_INT(sandbox_resolve_dir("/tmp/..", 0, out), -EINVAL);
	CHECK_INT(sandbox_resolve_dir("/../..", 0, out), -EINVAL);
	/* Not there: normalized by hand. */
	CHECK_INT(sandbox_resolve_dir("/nonexistent-svcnet//x/./y/../z/", 0, out), 0);
	CHECK_STR(out, "/nonexistent-svcnet/x/z");
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK_INT(sandbox_resolve_dir("nonexistent-svcnet-rel", 0, out), 0);
	snprintf(want, sizeof(want), "%s/nonexistent-svcnet-rel", strcmp(cwd, "/") ? cwd : "");
	CHECK_STR(out, want);
}

UNIT_TEST(test_sandbox_proc_stat_self)
{
	struct sandbox_procstat st;
	struct sandbox_proc me = {getpid(), 0}, gone = {0, 0};

	CHECK_INT(sandbox_proc_stat(getpid(), &st), 0);
	CHECK_INT(st.ppid, getppid());
	CHECK(st.start > 0);
	CHECK(st.state == 'R');
	me.start = st.start;
	CHECK(sandbox_proc_alive(&me));
	me.start = st.start + 1; /* a reused pid */
	CHECK(!sandbox_proc_alive(&me));
	CHECK(!sandbox_proc_alive(&gone));
	CHECK(!sandbox_proc_alive(NULL));
	CHECK_INT(sandbox_proc_stat(-5, &st) < 0, 1);
}

static int sandbox_write(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

UNIT_TEST(test_sandbox_state_roundtrip)
{
	char dir[] = "/tmp/svcnet-unit-sbx-XXXXXX", path[PATH_MAX];
	struct sandbox_state *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct sandbox_procstat me;

	CHECK(a && b && mkdtemp(dir));
	CHECK_INT(sandbox_state_read(dir, b), -ENOENT);
	snprintf(a->dir, sizeof(a->dir), "%s", dir);
	snprintf(a->proxy_mode, sizeof(a->proxy_mode), "nftables");
	a->nodes = 3;
	a->detached = 1;
	CHECK_INT(sandbox_proc_stat(getpid(), &me), 0);
	a->server = (struct sandbox_proc){getpid(), me.start};
	a->agents[2] = (struct sandbox_proc){1234567, 42};
	CHECK_INT(sandbox_state_write(a), 0);
	CHECK_INT(sandbox_state_read(dir, b), 0);
	CHECK_STR(b->proxy_mode, "nftables");
	CHECK_INT(b->nodes, 3);
	CHECK_INT(b->detached, 1);
	CHECK_INT(b->server.pid, getpid());
	CHECK(b->server.start == me.start);
	CHECK_INT(b->agents[2].pid, 1234567);
	CHECK_INT(b->agents[0].pid, 0);
	CHECK(sandbox_state_live(b)); /* the "server" is this process */
	b->server.pid = 0;
	CHECK(!sandbox_state_live(b));
	/* A broken file reads as invalid, never as a half state. */
	snprintf(path, sizeof(path), "%s/sandbox.json", dir);
	CHECK_INT(sandbox_write(path, "{\"nodes\": [1,"), 0);
	CHECK_INT(sandbox_state_read(dir, b), -EINVAL);
	CHECK_INT(sandbox_rm_tree(dir), 0);
	free(a);
	free(b);
}

UNIT_TEST(test_sandbox_rm_tree_stays_inside)
{
	char top[] = "/tmp/svcnet-unit-rm-XXXXXX", keep[] = "/tmp/svcnet-unit-keep-XXXXXX";
	char p[PATH_MAX], q[PATH_MAX];

	CHECK(mkdtemp(top) && mkdtemp(keep));
	snprintf(p, sizeof(p), "%s/precious", keep);
	CHECK_INT(sandbox_write(p, "x"), 0);
	snprintf(p, sizeof(p), "%s/a/b/c", top);
	CHECK_INT(sandbox_mkdir_p(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/a/b/c/file", top);
	CHECK_INT(sandbox_write(p, "y"), 0);
	/* Symbolic links are removed, never followed. */
	snprintf(p, sizeof(p), "%s/a/link-to-keep", top);
	CHECK_INT(symlink(keep, p), 0);
	snprintf(p, sizeof(p), "%s/a/b/link-to-file", top);
	snprintf(q, sizeof(q), "%s/precious", keep);
	CHECK_INT(symlink(q, p), 0);
	CHECK_INT(sandbox_rm_tree(top), 0);
	CHECK(access(top, F_OK) < 0 && errno == ENOENT);
	CHECK_INT(access(q, F_OK), 0);
	CHECK_INT(sandbox_rm_tree(top), 0); /* gone already: fine */
	/* A symlink given as the root is removed itself, not what it names. */
	snprintf(p, sizeof(p), "%s-link", keep);
	CHECK_INT(symlink(keep, p), 0);
	CHECK_INT(sandbox_rm_tree(p), 0);
	CHECK_INT(access(q, F_OK), 0);
	CHECK_INT(sandbox_rm_tree(keep), 0);
}

static void sandbox_count_mount(const char *mnt, void *arg)
{
	(*(int *)arg)++;
}

UNIT_TEST(test_sandbox_mounts_under)
{
	int seen = 0;

	/* /proc is a mount point itself (and has none under /proc/self/fd). */
	CHECK(sandbox_mounts_under("/proc", sandbox_count_mount, &seen) >= 1);
	CHECK(seen >= 1);
	CHECK_INT(sandbox_mounts_under("/nonexistent-svcnet-dir", NULL, NULL), 0);
}

UNIT_TEST(test_sandbox_copy_file)
{
	char dir[] = "/tmp/svcnet-unit-cp-XXXXXX", src[PATH_MAX], dst[PATH_MAX], text[32] = "";
	struct stat st;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	CHECK_INT(sandbox_write(src, "secret\n"), 0);
	CHECK_INT(sandbox_copy_file(src, dst, 0600), 0);
	CHECK_INT(stat(dst, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0600);
	fd = open(dst, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_INT(read(fd, text, sizeof(text) - 1), 7);
	close(fd);
	CHECK_STR(text, "secret\n");
	snprintf(src, sizeof(src), "%s/missing", dir);
	CHECK_INT(sandbox_copy_file(src, dst, 0600), -ENOENT);
	CHECK_INT(sandbox_rm_tree(dir), 0);
}
