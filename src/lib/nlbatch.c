/*
 * nlbatch.c - many netlink requests in few writes (see nlbatch.h).
 */
#include "lib/nlbatch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

int nlbatch_parse_acks(const void *buf, size_t len, uint32_t seq0, size_t n, int *rcs, size_t *got)
{
	const struct nlmsghdr *nlh = buf;
	int rest = len > INT32_MAX ? INT32_MAX : (int)len;

	for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
		const struct nlmsgerr *e;
		uint32_t i = nlh->nlmsg_seq - seq0;

		if (nlh->nlmsg_type != NLMSG_ERROR || i >= n)
			continue;
		if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e))
			return -EINVAL;
		e = mnl_nlmsg_get_payload(nlh);
		if (e->error > 0 || e->error < -4095)
			return -EINVAL;
		if (rcs[i] == NLBATCH_RC_NONE) {
			rcs[i] = e->error;
			(*got)++;
		}
	}
	return 0;
}

int nlbatch_run(struct mnl_socket *nl, uint32_t *seq, size_t n, nlbatch_build_fn build, void *arg,
                int *rcs)
{
	char *out = malloc(NLBATCH_BYTES), *in = malloc(MNL_SOCKET_BUFFER_SIZE),
	     *one = malloc(NLBATCH_MSG);
	int rc = 0;

	if (!out || !in || !one) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rcs[i] = NLBATCH_RC_NONE;
	for (size_t at = 0; at < n;) {
		uint32_t seq0 = *seq + 1;
		size_t k = 0, off = 0, got = 0;

		while (at + k < n && k < NLBATCH_MAX) {
			struct nlmsghdr *nlh;

			memset(one, 0, NLBATCH_MSG);
			nlh = build(one, at + k, arg);
			if (!nlh || nlh->nlmsg_len > NLBATCH_MSG) {
				rc = -EINVAL;
				goto out;
			}
			if (off + NLMSG_ALIGN(nlh->nlmsg_len) > NLBATCH_BYTES)
				break;
			nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
			nlh->nlmsg_seq = ++*seq;
			memcpy(out + off, nlh, nlh->nlmsg_len);
			off += NLMSG_ALIGN(nlh->nlmsg_len);
			k++;
		}
		if (mnl_socket_sendto(nl, out, off) < 0) {
			rc = -errno;
			goto out;
		}
		while (got < k) {
			ssize_t len = mnl_socket_recvfrom(nl, in, MNL_SOCKET_BUFFER_SIZE);

			if (len < 0) {
				rc = -errno;
				goto out;
			}
			if ((rc = nlbatch_parse_acks(in, (size_t)len, seq0, k, rcs + at, &got)) < 0)
				goto out;
		}
		at += k;
	}
out:
	free(out);
	free(in);
	free(one);
	return rc;
}
