/*
 * test_nlbatch.c - lib/nlbatch: acknowledgements matched to their requests,
 * and batches of real rtnetlink requests in a private namespace (the IPVS
 * mode's use runs in the VM tier).
 */
#include "unit.h"

#include <errno.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "lib/nlbatch.h"
#include "test_rtnl_helpers.h"

/* A batch's acknowledgements: each request's result by its number, once;
 * others' messages skipped; a short or nonsensical ack refused. */
static size_t tn_ack(char *at, uint32_t seq, int error, size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)at;
	struct nlmsgerr *e;

	memset(at, 0, MNL_ALIGN(len));
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_get_payload(nlh);
	if (len >= MNL_NLMSG_HDRLEN + sizeof(*e))
		e->error = error;
	return MNL_ALIGN(len);
}

UNIT_TEST(nlbatch_acks)
{
	const size_t full = MNL_NLMSG_HDRLEN + sizeof(struct nlmsgerr);
	char buf[1024];
	int rcs[4];
	size_t off = 0, got = 0;

	for (int i = 0; i < 4; i++)
		rcs[i] = NLBATCH_RC_NONE;
	off += tn_ack(buf + off, 101, 0, full);
	off += tn_ack(buf + off, 99, -EPERM, full); /* not of this batch */
	off += tn_ack(buf + off, 103, -EEXIST, full);
	off += tn_ack(buf + off, 101, -ENOENT, full); /* a second one: ignored */
	off += tn_ack(buf + off, 105, 0, full);       /* past the batch */
	CHECK_INT(nlbatch_parse_acks(buf, off, 100, 4, rcs, &got), 0);
	CHECK_INT((int)got, 2);
	CHECK(rcs[0] == NLBATCH_RC_NONE && rcs[1] == 0 && rcs[2] == NLBATCH_RC_NONE);
	CHECK_INT(rcs[3], -EEXIST);
	/* the rest arrives in a second read */
	off = tn_ack(buf, 100, -ESRCH, full);
	off += tn_ack(buf + off, 102, 0, full);
	CHECK_INT(nlbatch_parse_acks(buf, off, 100, 4, rcs, &got), 0);
	CHECK(got == 4 && rcs[0] == -ESRCH && rcs[2] == 0);
	/* hostile: an ack too short for its error, an error that is no errno */
	got = 0;
	rcs[0] = NLBATCH_RC_NONE;
	off = tn_ack(buf, 100, 0, MNL_NLMSG_HDRLEN + 2);
	CHECK_INT(nlbatch_parse_acks(buf, off, 100, 1, rcs, &got), -EINVAL);
	off = tn_ack(buf, 100, 7, full);
	CHECK_INT(nlbatch_parse_acks(buf, off, 100, 1, rcs, &got), -EINVAL);
	/* a truncated buffer is simply not read past its end */
	off = tn_ack(buf, 100, 0, full);
	CHECK_INT(nlbatch_parse_acks(buf, off - 4, 100, 1, rcs, &got), 0);
	CHECK_INT((int)got, 0);
}

/* The sending half against this kernel, in a private namespace: 300
 * addresses on lo in batches (five writes), each acknowledged; the same
 * again: each one -EEXIST on its own; then one bad request among good ones
 * fails alone, and the kernel went on after it. */
struct tn_addrs {
	int lo;
	int bad; /* index of a request with prefix 99, or -1 */
};

static struct nlmsghdr *tn_build(void *buf, size_t i, void *arg)
{
	const struct tn_addrs *t = arg;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	uint8_t a[4] = {198, 18, (uint8_t)(10 + i / 250), (uint8_t)(1 + i % 250)};

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (int)i == t->bad ? 99 : 32;
	ifa->ifa_index = (uint32_t)t->lo;
	mnl_attr_put(nlh, IFA_LOCAL, 4, a);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, a);
	return nlh;
}

static int tn_kernel(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	struct tn_addrs t = {.lo = (int)if_nametoindex("lo"), .bad = -1};
	uint32_t seq = 7;
	int rcs[303];

	T(nl && mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == 0 && t.lo > 0);
	T(nlbatch_run(nl, &seq, 300, tn_build, &t, rcs) == 0);
	T(seq == 307);
	for (int i = 0; i < 300; i++)
		T(rcs[i] == 0);
	T(nlbatch_run(nl, &seq, 300, tn_build, &t, rcs) == 0);
	for (int i = 0; i < 300; i++)
		T(rcs[i] == -EEXIST);
	/* new addresses (offset past the first 300), the middle one malformed */
	t.bad = 301;
	T(nlbatch_run(nl, &seq, 303, tn_build, &t, rcs) == 0);
	T(rcs[299] == -EEXIST && rcs[300] == 0 && rcs[301] == -EINVAL && rcs[302] == 0);
	mnl_socket_close(nl);
	return 0;
}

UNIT_TEST(nlbatch_addresses_in_netns)
{
	RUN_IN_NETNS(tn_kernel);
}
