/* test_podcidr.c - node subnets from the cluster CIDR. */
#include "unit.h"

#include <errno.h>

#include "controllers/podcidr.h"

static podcidr *pc_t_new(const char *cluster, int mask)
{
	net_cidr c;

	if (net_cidr_parse(cluster, &c, 0) < 0)
		return NULL;
	return podcidr_new(&c, mask);
}

static net_cidr pc_t_c(const char *s)
{
	net_cidr c;

	memset(&c, 0, sizeof(c));
	net_cidr_parse(s, &c, 0);
	return c;
}

/* Unlike pc_t_c keeps host bits, to feed misaligned subnets. */
static net_cidr pc_t_raw(const char *addr, int prefix)
{
	net_cidr c;

	memset(&c, 0, sizeof(c));
	net_addr_parse(addr, &c.addr);
	c.prefix = prefix;
	return c;
}

static const char *pc_t_fmt(const net_cidr *c)
{
	static char buf[NET_CIDR_STRLEN];

	net_cidr_fmt(c, buf, sizeof(buf));
	return buf;
}

UNIT_TEST(podcidr_v4_slash16)
{
	podcidr *p = pc_t_new("10.42.0.0/16", 0);
	net_cidr s;

	CHECK(p);
	CHECK_INT(podcidr_mask(p), 24);
	CHECK_INT(podcidr_size(p), 256);
	CHECK_INT(podcidr_free_count(p), 256);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.0.0/24");
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.1.0/24");

	s = pc_t_c("10.42.3.0/24");
	CHECK_INT(podcidr_allocate(p, &s), 0);
	CHECK_INT(podcidr_allocate(p, &s), -EEXIST);
	CHECK(podcidr_has(p, &s));
	s = pc_t_raw("10.42.5.1", 24);
	CHECK_INT(podcidr_allocate(p, &s), -EINVAL);
	CHECK(!podcidr_has(p, &s));
	s = pc_t_c("10.42.5.0/25");
	CHECK_INT(podcidr_allocate(p, &s), -EINVAL);
	s = pc_t_c("10.42.0.0/16");
	CHECK_INT(podcidr_allocate(p, &s), -EINVAL);
	s = pc_t_c("10.43.0.0/24");
	CHECK_INT(podcidr_allocate(p, &s), -ERANGE);
	s = pc_t_c("fd00::/64");
	CHECK_INT(podcidr_allocate(p, &s), -ERANGE);
	CHECK_INT(podcidr_allocate(p, NULL), -ERANGE);

	/* Round robin skips the taken 10.42.3.0/24. */
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.2.0/24");
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.4.0/24");
	/* A released subnet is not reused at once: the scan goes on from 5. */
	s = pc_t_c("10.42.1.0/24");
	CHECK_INT(podcidr_release(p, &s), 0);
	CHECK_INT(podcidr_release(p, &s), 0);
	CHECK_INT(podcidr_used(p), 4);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.5.0/24");
	s = pc_t_c("10.43.0.0/24");
	CHECK_INT(podcidr_release(p, &s), -ERANGE);
	s = pc_t_raw("10.42.5.7", 24);
	CHECK_INT(podcidr_release(p, &s), -EINVAL);

	/* Fill: 256 subnets in all, each once; then the freed one comes back. */
	int n = 0;
	while (podcidr_allocate_next(p, &s) == 0)
		n++;
	CHECK_INT(n, 256 - 5);
	CHECK_INT(podcidr_free_count(p), 0);
	CHECK_INT(podcidr_allocate_next(p, &s), -ENOSPC);
	s = pc_t_c("10.42.200.0/24");
	CHECK_INT(podcidr_release(p, &s), 0);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.200.0/24");
	CHECK_STR(pc_t_fmt(podcidr_cluster(p)), "10.42.0.0/16");
	podcidr_free(p);
	podcidr_free(NULL);
}

UNIT_TEST(podcidr_every_subnet_once)
{
	podcidr *p = pc_t_new("10.0.0.0/8", 20); /* 4096 subnets, index bits cross bytes */
	net_cidr s, c = pc_t_c("10.0.0.0/8");
	uint8_t seen[4096] = {0};
	uint64_t off;

	CHECK(p);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.0.16.0/20");
	CHECK_INT(podcidr_release(p, &s), 0);
	CHECK_INT(podcidr_release(p, &(net_cidr){c.addr, 20}), 0);
	for (int i = 0; i < 4096; i++) {
		CHECK_INT(podcidr_allocate_next(p, &s), 0);
		CHECK_INT(s.prefix, 20);
		CHECK_INT(net_addr_offset(&c, &s.addr, &off), 0);
		CHECK(off % 4096 == 0 && !seen[off / 4096]);
		seen[off / 4096] = 1;
		CHECK(podcidr_has(p, &s));
	}
	CHECK_INT(podcidr_allocate_next(p, &s), -ENOSPC);
	podcidr_free(p);
}

UNIT_TEST(podcidr_v6)
{
	podcidr *p = pc_t_new("fd00:10::/56", 0);
	net_cidr s;

	CHECK(p);
	CHECK_INT(podcidr_mask(p), 64);
	CHECK_INT(podcidr_size(p), 256);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "fd00:10::/64");
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "fd00:10:0:1::/64");
	s = pc_t_c("fd00:10:0:ff::/64");
	CHECK_INT(podcidr_allocate(p, &s), 0);
	s = pc_t_c("fd00:10:0:100::/64");
	CHECK_INT(podcidr_allocate(p, &s), -ERANGE);
	s = pc_t_raw("fd00:10:0:5::1", 64);
	CHECK_INT(podcidr_allocate(p, &s), -EINVAL);
	s = pc_t_c("10.42.0.0/24");
	CHECK_INT(podcidr_allocate(p, &s), -ERANGE);
	podcidr_free(p);

	p = pc_t_new("fd00:42::/48", 0); /* 65536 /64s: the limit */
	CHECK(p);
	CHECK_INT(podcidr_size(p), 65536);
	s = pc_t_c("fd00:42:0:ffff::/64");
	CHECK_INT(podcidr_allocate(p, &s), 0);
	podcidr_free(p);

	/* A /112 per node from a /96: index bits in the low half. */
	p = pc_t_new("fd00:1:2:3:4:5::/96", 112);
	CHECK(p);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "fd00:1:2:3:4:5:1:0/112");
	podcidr_free(p);
}

UNIT_TEST(podcidr_limits)
{
	podcidr *p;
	net_cidr s;

	errno = 0;
	CHECK(!pc_t_new("fd00::/32", 0)); /* 2^32 /64s */
	CHECK_INT(errno, EINVAL);
	CHECK(!pc_t_new("10.0.0.0/7", 24));
	CHECK(!pc_t_new("10.42.0.0/16", 15));
	CHECK(!pc_t_new("10.42.0.0/16", 33));
	CHECK(!pc_t_new("10.42.0.0/26", 0)); /* default /24 is wider than the cluster */
	CHECK(!podcidr_new(NULL, 24));
	p = pc_t_new("10.0.0.0/8", 24);
	CHECK(p);
	CHECK_INT(podcidr_size(p), 65536);
	podcidr_free(p);
	/* One subnet: the whole cluster CIDR. */
	p = pc_t_new("10.42.0.0/24", 24);
	CHECK(p);
	CHECK_INT(podcidr_allocate_next(p, &s), 0);
	CHECK_STR(pc_t_fmt(&s), "10.42.0.0/24");
	CHECK_INT(podcidr_allocate_next(p, &s), -ENOSPC);
	podcidr_free(p);
	/* Host-sized subnets. */
	p = pc_t_new("10.42.0.0/24", 32);
	CHECK(p);
	CHECK_INT(podcidr_size(p), 256);
	s = pc_t_c("10.42.0.255/32");
	CHECK_INT(podcidr_allocate(p, &s), 0);
	podcidr_free(p);
	/* Host bits of the cluster CIDR are ignored. */
	p = pc_t_new("10.42.9.9/16", 24);
	CHECK(p);
	CHECK_STR(pc_t_fmt(podcidr_cluster(p)), "10.42.0.0/16");
	podcidr_free(p);
}
