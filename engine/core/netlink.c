/* netlink.c: rtnetlink over libmnl (see netlink.h).
 *
 * Each request is built in one stack buffer, sent with NLM_F_ACK and
 * answered by exactly one NLMSG_ERROR (errno 0 on success), which
 * mnl_cb_run() turns into -1/errno.  Dumps read until NLMSG_DONE.  The
 * messages are the ones `ip link add ... type bridge|veth`, `ip addr add`
 * and `ip route add default` send; `ip -d monitor` shows them the same.
 */
#define _GNU_SOURCE
#include "netlink.h"
#include "cleanup.h"
#include "util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Large enough for any dump chunk the kernel sends (up to 32K). */
#define NL_BUFSZ 32768

static int nl_open_here(struct nl *nl, berr_t *err)
{
	memset(nl, 0, sizeof(*nl));
	nl->sk = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sk)
		return berr_make(err, errno, "cannot open a netlink socket");
	if (mnl_socket_bind(nl->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl->sk);
		nl->sk = NULL;
		return berr_make(err, e, "cannot bind a netlink socket");
	}
	nl->portid = mnl_socket_get_portid(nl->sk);
	nl->seq = (unsigned int)time(NULL);
	return 0;
}

int nl_open(struct nl *nl, berr_t *err)
{
	return nl_open_here(nl, err);
}

int nl_open_netns(struct nl *nl, int netns_fd, berr_t *err)
{
	int orig, rc;

	if ((orig = netns_enter(netns_fd, err)) < 0)
		return -1;
	rc = nl_open_here(nl, err);
	if (netns_leave(orig, rc < 0 ? NULL : err) < 0) {
		if (rc == 0)
			nl_close(nl);
		return -1;
	}
	return rc;
}

void nl_close(struct nl *nl)
{
	if (nl->sk)
		mnl_socket_close(nl->sk);
	nl->sk = NULL;
}

/* Send one request and wait for its ACK (or, with cb, its answers). */
static int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[NL_BUFSZ];
	unsigned int seq = nlh->nlmsg_seq = ++nl->seq;
	ssize_t n;
	int rc;

	/* A dump ends with NLMSG_DONE; anything else with its ACK.  (Not
	 * "flags & NLM_F_DUMP": NLM_F_EXCL of a NEW request is the same bit
	 * as NLM_F_MATCH, half of NLM_F_DUMP.) */
	if (!(nlh->nlmsg_type == RTM_GETLINK || nlh->nlmsg_type == RTM_GETROUTE || nlh->nlmsg_type == RTM_GETADDR) ||
	    (nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sk, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sk, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		rc = mnl_cb_run(buf, (size_t)n, seq, nl->portid, cb, data);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -1 : 0;
	}
}

static struct nlmsghdr *link_msg(char *buf, uint16_t type, uint16_t flags, int index, struct ifinfomsg **ifm_out)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	if (ifm_out)
		*ifm_out = ifm;
	return nlh;
}

static int index_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	*(int *)data = ifm->ifi_index;
	return MNL_CB_OK;
}

int nl_link_index(struct nl *nl, const char *name, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0, NULL);
	int index = 0;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nl_talk(nl, nlh, index_cb, &index) < 0) {
		if (errno == ENODEV)
			return 0;
		return berr_make(err, errno, "cannot look up link %s", name);
	}
	return index;
}

int nl_bridge_add(struct nl *nl, const char *name, const char *alias, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct nlattr *info;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return berr_make(err, errno, "cannot create bridge %s", name);
	if (!alias || !*alias)
		return 0;
	/* A new link takes no IFLA_IFALIAS (rtnl_create_link ignores it):
	 * set it on the link that now exists, by name. */
	nlh = link_msg(buf, RTM_NEWLINK, 0, 0, NULL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, alias);
	if (nl_talk(nl, nlh, NULL, NULL) < 0) {
		int e = errno;
		cleanup_berr berr_t e2 = NULL;
		nl_link_del(nl, name, &e2);
		return berr_make(err, e, "cannot set the alias of bridge %s", name);
	}
	return 0;
}

int nl_veth_add(struct nl *nl, const char *name, const char *peer, int peer_netns_fd, const uint8_t *peer_mac,
		berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct nlattr *info, *data, *peer_nest;
	struct ifinfomsg *pifm;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer_nest = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	/* The peer's attributes follow an ifinfomsg of its own. */
	pifm = mnl_nlmsg_get_payload_tail(nlh);
	memset(pifm, 0, sizeof(*pifm));
	pifm->ifi_family = AF_UNSPEC;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*pifm));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, peer);
	if (peer_netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)peer_netns_fd);
	if (peer_mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, peer_mac);
	mnl_attr_nest_end(nlh, peer_nest);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return berr_make(err, errno, "cannot create veth pair %s/%s", name, peer);
	return 0;
}

int nl_link_del(struct nl *nl, const char *name, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_DELLINK, 0, 0, NULL);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nl_talk(nl, nlh, NULL, NULL) < 0) {
		if (errno == ENODEV)
			return 0;
		return berr_make(err, errno, "cannot delete link %s", name);
	}
	return 0;
}

int nl_link_up(struct nl *nl, int ifindex, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct ifinfomsg *ifm;
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, &ifm);

	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return berr_make(err, errno, "cannot bring link %d up", ifindex);
	return 0;
}

int nl_link_set_master(struct nl *nl, int ifindex, int master, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, NULL);

	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return berr_make(err, errno, "cannot attach link %d to bridge %d", ifindex, master);
	return 0;
}

int nl_link_set_netns(struct nl *nl, int ifindex, int netns_fd, int pid, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_NEWLINK, 0, ifindex, NULL);

	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	else
		mnl_attr_put_u32(nlh, IFLA_NET_NS_PID, (uint32_t)pid);
	if (nl_talk(nl, nlh, NULL, NULL) < 0)
		return berr_make(err, errno, "cannot move link %d to another network namespace", ifindex);
	return 0;
}

int nl_addr_add(struct nl *nl, int ifindex, struct in_addr addr, int prefix, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	uint32_t mask = prefix == 0 ? 0 : htonl(~0u << (32 - prefix));
	struct in_addr brd = {.s_addr = addr.s_addr | ~mask};

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = (unsigned char)prefix;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)ifindex;
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(addr), &addr);
	mnl_attr_put(nlh, IFA_ADDRESS, sizeof(addr), &addr);
	if (prefix < 31)
		mnl_attr_put(nlh, IFA_BROADCAST, sizeof(brd), &brd);
	if (nl_talk(nl, nlh, NULL, NULL) < 0 && errno != EEXIST) {
		char s[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &addr, s, sizeof(s));
		return berr_make(err, errno, "cannot add address %s/%d", s, prefix);
	}
	return 0;
}

int nl_route_add_default(struct nl *nl, struct in_addr gw, int ifindex, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_GATEWAY, sizeof(gw), &gw);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)ifindex);
	if (nl_talk(nl, nlh, NULL, NULL) < 0 && errno != EEXIST)
		return berr_make(err, errno, "cannot add the default route");
	return 0;
}

/* ---- dumps ------------------------------------------------------------ */

struct vec {
	void *v;
	size_t n, cap, size;
};

static void *vec_push(struct vec *v)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->v = xrealloc(v->v, v->cap * v->size);
	}
	void *p = (char *)v->v + v->n * v->size;
	memset(p, 0, v->size);
	v->n++;
	return p;
}

static int dump(struct nl *nl, uint16_t type, int family, mnl_cb_t cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	/* ifinfomsg/rtmsg/ifaddrmsg all begin with the family byte; the
	 * kernel reads only as much as the message holds. */
	if (type == RTM_GETROUTE) {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = (unsigned char)family;
	} else if (type == RTM_GETLINK) {
		struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = (unsigned char)family;
	} else {
		g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->rtgen_family = (unsigned char)family;
	}
	return nl_talk(nl, nlh, cb, data);
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, RTA_MAX) < 0)
		return MNL_CB_OK;
	tb[type] = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *v = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	uint32_t table;
	struct nl_route *r;

	if (rtm->rtm_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	/* The local table holds the host's own addresses and broadcasts:
	 * each also has its subnet route in another table. */
	if (table == RT_TABLE_LOCAL || rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	r = vec_push(v);
	r->prefix = rtm->rtm_dst_len;
	if (tb[RTA_DST])
		memcpy(&r->dst, mnl_attr_get_payload(tb[RTA_DST]), sizeof(r->dst));
	if (tb[RTA_OIF])
		r->oif = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	return MNL_CB_OK;
}

int nl_route_list(struct nl *nl, struct nl_route **out, size_t *n, berr_t *err)
{
	struct vec v = {.size = sizeof(struct nl_route)};

	if (dump(nl, RTM_GETROUTE, AF_INET, route_cb, &v) < 0) {
		free(v.v);
		return berr_make(err, errno, "cannot read the routing table");
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

static int link_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, IFLA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int linkinfo_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, IFLA_INFO_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *v = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct nl_link *l;

	mnl_attr_parse(nlh, sizeof(*ifm), link_attr_cb, tb);
	l = vec_push(v);
	l->index = ifm->ifi_index;
	l->up = (ifm->ifi_flags & IFF_UP) != 0;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_IFALIAS])
		snprintf(l->alias, sizeof(l->alias), "%.*s", (int)mnl_attr_get_payload_len(tb[IFLA_IFALIAS]),
			 (const char *)mnl_attr_get_payload(tb[IFLA_IFALIAS]));
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *li[IFLA_INFO_MAX + 1] = {0};
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_attr_cb, li);
		if (li[IFLA_INFO_KIND])
			snprintf(l->kind, sizeof(l->kind), "%s", mnl_attr_get_str(li[IFLA_INFO_KIND]));
	}
	/* The alias may carry a trailing NUL in its length; keep it a string. */
	l->alias[strcspn(l->alias, "\n")] = '\0';
	return MNL_CB_OK;
}

int nl_link_list(struct nl *nl, struct nl_link **out, size_t *n, berr_t *err)
{
	struct vec v = {.size = sizeof(struct nl_link)};

	if (dump(nl, RTM_GETLINK, AF_UNSPEC, link_cb, &v) < 0) {
		free(v.v);
		return berr_make(err, errno, "cannot list network links");
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

int nl_link_get(struct nl *nl, const char *name, struct nl_link *out, berr_t *err)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = link_msg(buf, RTM_GETLINK, 0, 0, NULL);
	struct vec v = {.size = sizeof(struct nl_link)};

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (nl_talk(nl, nlh, link_cb, &v) < 0) {
		free(v.v);
		if (errno == ENODEV)
			return 0;
		return berr_make(err, errno, "cannot look up link %s", name);
	}
	if (v.n == 0) {
		free(v.v);
		return 0;
	}
	*out = *(struct nl_link *)v.v;
	free(v.v);
	return 1;
}

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, IFA_MAX) < 0)
		return MNL_CB_OK;
	tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vec *v = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {0};
	struct nl_addr *a;

	if (ifa->ifa_family != AF_INET)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, tb);
	const struct nlattr *at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!at)
		return MNL_CB_OK;
	a = vec_push(v);
	a->ifindex = (int)ifa->ifa_index;
	a->prefix = ifa->ifa_prefixlen;
	memcpy(&a->addr, mnl_attr_get_payload(at), sizeof(a->addr));
	return MNL_CB_OK;
}

int nl_addr_list(struct nl *nl, struct nl_addr **out, size_t *n, berr_t *err)
{
	struct vec v = {.size = sizeof(struct nl_addr)};

	if (dump(nl, RTM_GETADDR, AF_INET, addr_cb, &v) < 0) {
		free(v.v);
		return berr_make(err, errno, "cannot list addresses");
	}
	*out = v.v;
	*n = v.n;
	return 0;
}

/* ---- namespaces -------------------------------------------------------- */

int netns_enter(int netns_fd, berr_t *err)
{
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (orig < 0)
		return berr_make(err, errno, "cannot open the current network namespace");
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		int e = errno;
		close(orig);
		return berr_make(err, e, "cannot enter the container's network namespace");
	}
	return orig;
}

int netns_leave(int orig_fd, berr_t *err)
{
	int rc = setns(orig_fd, CLONE_NEWNET);
	int e = errno;
	close(orig_fd);
	if (rc < 0) {
		/* Staying in the wrong namespace would be worse than dying:
		 * every later socket would be created there. */
		fprintf(stderr, "berth: cannot return to the host network namespace: %s\n", strerror(e));
		abort();
	}
	(void)err;
	return 0;
}

int netns_new(berr_t *err)
{
	int orig = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC), fd;

	if (orig < 0)
		return berr_make(err, errno, "cannot open the current network namespace");
	if (unshare(CLONE_NEWNET) < 0) {
		int e = errno;
		close(orig);
		return berr_make(err, e, "cannot create a network namespace");
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int e = errno;
	netns_leave(orig, NULL);
	if (fd < 0)
		return berr_make(err, e, "cannot open the new network namespace");
	return fd;
}
