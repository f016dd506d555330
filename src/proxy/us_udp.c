/*
 * us_udp.c - the userspace mode's UDP: one flow per client address and port,
 * each a socket connected to the endpoint chosen for it. Datagrams from the
 * client go out on the flow's socket; the endpoint's answers go back from the
 * service port's listener, with the address the client sent to as source
 * (IP_PKTINFO), so that conntrack turns the REDIRECT back and the client sees
 * the service address it asked. A flow ends after --udp-timeout without
 * traffic, when its endpoint goes, or when the endpoint refuses (ICMP port
 * unreachable): the client's next datagram then picks again at once.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "proxy/us_int.h"

#define PXUS_DGRAM_MAX 65536
/* Datagrams moved per event and direction, for fairness on the loop. */
#define PXUS_UDP_BATCH 32

static void pxus_flow_free(struct pxus_flow *f)
{
	pxb *b = f->l->b;

	dict_del(f->l->flows, f->key);
	ev_del(b->loop, f->fd, EV_READ);
	close(f->fd);
	pxus_fd_add(b, -1);
	if (f->prev)
		f->prev->next = f->next;
	else
		b->flows = f->next;
	if (f->next)
		f->next->prev = f->prev;
	b->n_flows--;
	free(f);
}

/* The endpoint answered: back to the client from the service port. */
static void pxus_flow_read(ev_loop *loop, int fd, void *data, int mask)
{
	struct pxus_flow *f = data;
	pxb *b = f->l->b;
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];

	for (int i = 0; i < PXUS_UDP_BATCH; i++) {
		ssize_t n = recv(fd, b->ubuf, PXUS_DGRAM_MAX, 0);
		struct iovec iov;
		struct msghdr mh = {0};
		struct cmsghdr *cm;
		struct in_pktinfo *pi;

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			/* ECONNREFUSED: nothing listens there; the next datagram
			 * of the client starts a new flow. */
			pxus_flow_free(f);
			return;
		}
		f->last_ms = ev_now(loop);
		iov.iov_base = b->ubuf;
		iov.iov_len = (size_t)n;
		mh.msg_name = &f->client;
		mh.msg_namelen = sizeof(f->client);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		memset(cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(*pi));
		pi = (struct in_pktinfo *)CMSG_DATA(cm);
		pi->ipi_spec_dst = f->local;
		/* A full socket buffer drops the datagram, as the network would. */
		sendmsg(f->l->fd, &mh, MSG_DONTWAIT);
	}
}

static struct pxus_flow *pxus_flow_new(struct pxus_lsn *l, const struct sockaddr_in *client,
                                       struct in_addr local, const char *key)
{
	pxb *b = l->b;
	struct sockaddr_in cand[1];
	struct pxus_flow *f;
	uint64_t now = ev_now(b->loop);
	bool from_node = (ntohl(local.s_addr) >> 24) == 127;
	net_addr ca = {.family = AF_INET};

	if (b->n_flows >= PXUS_MAX_FLOWS || !pxus_fd_room(b, 1)) {
		if (now - b->last_flow_log_ms > 10000) {
			b->last_flow_log_ms = now;
			log_warn("proxy",
			         "userspace: %zu UDP flows, %ld fds in use: new clients "
			         "dropped until some go idle",
			         b->n_flows, b->fds);
		}
		return NULL;
	}
	memcpy(ca.a, &client->sin_addr, 4);
	if (l->cl_eps && !from_node && b->cfg.cluster_cidr.addr.family == AF_INET)
		from_node = net_cidr_contains(&b->cfg.cluster_cidr, &ca) > 0;
	if (!pxus_pick(l, client, from_node, now, cand, 1))
		return NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->l = l;
	f->client = *client;
	f->local = local;
	f->ep = cand[0];
	f->last_ms = now;
	snprintf(f->key, sizeof(f->key), "%s", key);
	f->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (f->fd < 0) {
		free(f);
		return NULL;
	}
	pxus_fd_add(b, 1);
	if (connect(f->fd, (struct sockaddr *)&f->ep, sizeof(f->ep)) < 0 ||
	    ev_add(b->loop, f->fd, EV_READ, pxus_flow_read, f) < 0 ||
	    dict_set(l->flows, f->key, f, NULL) < 0) {
		ev_del(b->loop, f->fd, EV_READ);
		close(f->fd);
		pxus_fd_add(b, -1);
		free(f);
		return NULL;
	}
	f->next = b->flows;
	if (b->flows)
		b->flows->prev = f;
	b->flows = f;
	b->n_flows++;
	return f;
}

void pxus_udp_read(ev_loop *loop, int fd, void *data, int mask)
{
	struct pxus_lsn *l = data;
	pxb *b = l->b;

	for (int i = 0; i < PXUS_UDP_BATCH; i++) {
		struct sockaddr_in client;
		char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct iovec iov = {b->ubuf, PXUS_DGRAM_MAX};
		struct msghdr mh = {.msg_name = &client,
		                    .msg_namelen = sizeof(client),
		                    .msg_iov = &iov,
		                    .msg_iovlen = 1,
		                    .msg_control = cbuf,
		                    .msg_controllen = sizeof(cbuf)};
		struct in_addr local = {0};
		struct pxus_flow *f;
		char key[24];
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

		if (n < 0)
			return;
		if (mh.msg_namelen != sizeof(client) || client.sin_family != AF_INET)
			continue;
		for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo)))
				local = ((struct in_pktinfo *)CMSG_DATA(cm))->ipi_addr;
		pxus_sa_str(&client, key, sizeof(key));
		f = dict_get(l->flows, key);
		if (!f && !(f = pxus_flow_new(l, &client, local, key)))
			continue;
		f->last_ms = ev_now(loop);
		if (send(f->fd, b->ubuf, (size_t)n, MSG_DONTWAIT) < 0 && errno == ECONNREFUSED)
			pxus_flow_free(f);
	}
}

void pxus_udp_prune(struct pxus_lsn *l, bool all)
{
	pxb *b = l->b;
	struct pxus_flow *f = b->flows, *next;

	for (; f; f = next) {
		next = f->next;
		if (f->l == l && (all || !pxus_lsn_has_ep(l, &f->ep)))
			pxus_flow_free(f);
	}
}

void pxus_udp_sweep(pxb *b, uint64_t now_ms)
{
	struct pxus_flow *f = b->flows, *next;

	for (; f; f = next) {
		next = f->next;
		if (now_ms - f->last_ms >= b->udp_timeout_ms)
			pxus_flow_free(f);
	}
}
