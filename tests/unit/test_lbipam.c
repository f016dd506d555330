/* test_lbipam.c - LoadBalancer IP pools: CIDRs, ranges, both families. */
#include "unit.h"

#include <errno.h>

#include "controllers/lbipam.h"

static net_addr lb_t_a(const char *s)
{
	net_addr a;

	memset(&a, 0, sizeof(a));
	net_addr_parse(s, &a);
	return a;
}

static const char *lb_t_next(lbipam *l, int family)
{
	static char buf[NET_ADDR_STRLEN];
	net_addr a;
	int rc = lbipam_allocate_next(l, family, &a);

	if (rc < 0) {
		snprintf(buf, sizeof(buf), "%d", rc);
		return buf;
	}
	net_addr_fmt(&a, buf, sizeof(buf));
	return buf;
}

UNIT_TEST(lbipam_v4_cidr)
{
	lbipam *l = lbipam_new();
	net_addr x;

	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "198.18.100.0/24"), 0);
	CHECK_INT(lbipam_pool_count(l, AF_INET), 1);
	CHECK_INT(lbipam_pool_count(l, AF_INET6), 0);
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.100.1");
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.100.2");
	x = lb_t_a("198.18.100.0");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	CHECK(!lbipam_contains(l, &x));
	x = lb_t_a("198.18.100.255");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	x = lb_t_a("198.18.100.4");
	CHECK_INT(lbipam_allocate(l, &x), 0);
	CHECK_INT(lbipam_allocate(l, &x), -EEXIST);
	CHECK(lbipam_has(l, &x));
	/* Lowest free: the hole at .3, then past .4. */
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.100.3");
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.100.5");
	CHECK_INT(lbipam_used(l), 5);
	for (int i = 6; i <= 254; i++)
		CHECK_INT(lbipam_allocate_next(l, AF_INET, &x), 0);
	CHECK_STR(lb_t_next(l, AF_INET), "-28"); /* -ENOSPC */
	x = lb_t_a("198.18.100.77");
	CHECK_INT(lbipam_release(l, &x), 0);
	CHECK_INT(lbipam_release(l, &x), 0);
	CHECK(!lbipam_has(l, &x));
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.100.77");
	CHECK_STR(lb_t_next(l, AF_INET6), "-28");
	CHECK_STR(lb_t_next(l, 0), "-22");
	x = lb_t_a("10.0.0.1");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	CHECK_INT(lbipam_release(l, &x), 0);
	CHECK_INT(lbipam_used(l), 254);
	lbipam_free(l);
	lbipam_free(NULL);
}

UNIT_TEST(lbipam_small_cidrs_and_ranges)
{
	lbipam *l = lbipam_new();
	net_addr x;

	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "192.0.2.8/31"), 0);  /* both addresses */
	CHECK_INT(lbipam_add_pool(l, "192.0.2.20/32"), 0); /* the one address */
	CHECK_INT(lbipam_add_pool(l, "192.0.2.100 - 192.0.2.101"), 0);
	CHECK_INT(lbipam_add_pool(l, "192.0.2.24/30"), 0); /* .25, .26 */
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.8");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.9");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.20");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.100");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.101");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.25");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.26");
	CHECK_STR(lb_t_next(l, AF_INET), "-28");
	/* A freed address in the first pool is used before later pools. */
	x = lb_t_a("192.0.2.9");
	lbipam_release(l, &x);
	x = lb_t_a("192.0.2.26");
	lbipam_release(l, &x);
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.9");
	CHECK_STR(lb_t_next(l, AF_INET), "192.0.2.26");
	CHECK_INT(lbipam_pool_count(l, 0), 4);
	lbipam_free(l);

	l = lbipam_new();
	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "198.18.100.10-198.18.100.20"), 0);
	x = lb_t_a("198.18.100.9");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	x = lb_t_a("198.18.100.21");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	x = lb_t_a("198.18.100.20");
	CHECK_INT(lbipam_allocate(l, &x), 0);
	for (int i = 10; i < 20; i++)
		CHECK_INT(lbipam_allocate_next(l, AF_INET, &x), 0);
	CHECK_STR(lb_t_next(l, AF_INET), "-28");
	CHECK_INT(lbipam_used(l), 11);
	lbipam_free(l);
}

UNIT_TEST(lbipam_v6_and_mixed)
{
	lbipam *l = lbipam_new();
	net_addr x;

	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "fd00:18::/126"), 0); /* IPv6 CIDRs are used whole */
	CHECK_INT(lbipam_add_pool(l, "198.18.0.0/30"), 0);
	CHECK_INT(lbipam_add_pool(l, "fd00:19::ffff-fd00:19::1:1"), 0);
	CHECK_INT(lbipam_add_pool(l, "fd00:20::/64"), 0);
	CHECK_INT(lbipam_pool_count(l, AF_INET6), 3);
	CHECK_INT(lbipam_pool_count(l, AF_INET), 1);
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:18::");
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.0.1");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:18::1");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:18::2");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:18::3");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:19::ffff");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:19::1:0");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:19::1:1");
	CHECK_STR(lb_t_next(l, AF_INET6), "fd00:20::");
	x = lb_t_a("fd00:20::ffff:ffff:ffff:ffff");
	CHECK_INT(lbipam_allocate(l, &x), 0);
	CHECK(lbipam_has(l, &x));
	x = lb_t_a("fd00:20:0:1::");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	/* An IPv4-mapped address is not the IPv4 address. */
	x = lb_t_a("::ffff:198.18.0.2");
	CHECK_INT(lbipam_allocate(l, &x), -ERANGE);
	CHECK_STR(lb_t_next(l, AF_INET), "198.18.0.2");
	CHECK_STR(lb_t_next(l, AF_INET), "-28");
	CHECK_INT(lbipam_used(l), 11);
	lbipam_free(l);
}

UNIT_TEST(lbipam_bad_specs)
{
	lbipam *l = lbipam_new();
	static const char *bad[] = {"198.18.100.1/24",
	                            "198.18.100.20-198.18.100.10",
	                            "198.18.100.1-fd00::1",
	                            "198.18.100.0/33",
	                            "",
	                            "garbage",
	                            "198.18.100.1",
	                            "198.18.100.1-",
	                            "-198.18.100.1",
	                            "1.2.3.4-5.6.7.8-9.9.9.9",
	                            "fd00::1/64",
	                            "fd00::1%eth0-fd00::2",
	                            "010.0.0.0/8"};

	CHECK(l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (lbipam_add_pool(l, bad[i]) != -EINVAL)
			unit_fail(__FILE__, __LINE__, "accepted \"%s\"", bad[i]);
		CHECK(!unit_failed_now());
	}
	CHECK_INT(lbipam_add_pool(l, NULL), -EINVAL);
	CHECK_INT(lbipam_pool_count(l, 0), 0);
	CHECK_INT(lbipam_add_pool(l, "198.18.100.0/24"), 0);
	CHECK_INT(lbipam_add_pool(l, "198.18.100.250-198.18.101.5"), -EEXIST);
	CHECK_INT(lbipam_add_pool(l, "198.18.0.0/16"), -EEXIST);
	CHECK_INT(lbipam_add_pool(l, "198.18.100.128/25"), -EEXIST);
	/* The excluded broadcast still belongs to the CIDR: adjacent is fine. */
	CHECK_INT(lbipam_add_pool(l, "198.18.101.0-198.18.101.0"), 0);
	CHECK_INT(lbipam_add_pool(l, "fd00::/120"), 0);
	CHECK_INT(lbipam_add_pool(l, "fd00::ff-fd00::1ff"), -EEXIST);
	CHECK_INT(lbipam_pool_count(l, 0), 3);
	lbipam_free(l);
}

UNIT_TEST(lbipam_top_of_space)
{
	lbipam *l = lbipam_new();

	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "255.255.255.254/31"), 0);
	CHECK_INT(lbipam_add_pool(l, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"), 0);
	CHECK_INT(lbipam_add_pool(l, "::/0"), -EEXIST);
	CHECK_STR(lb_t_next(l, AF_INET), "255.255.255.254");
	CHECK_STR(lb_t_next(l, AF_INET), "255.255.255.255");
	CHECK_STR(lb_t_next(l, AF_INET), "-28");
	CHECK_STR(lb_t_next(l, AF_INET6), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	CHECK_STR(lb_t_next(l, AF_INET6), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	CHECK_STR(lb_t_next(l, AF_INET6), "-28");
	lbipam_free(l);

	/* The whole IPv6 space as one pool. */
	l = lbipam_new();
	CHECK(l);
	CHECK_INT(lbipam_add_pool(l, "::/0"), 0);
	CHECK_STR(lb_t_next(l, AF_INET6), "::");
	CHECK_STR(lb_t_next(l, AF_INET6), "::1");
	lbipam_free(l);
}
