/* nat.h: the firewall side of a bridge network: outbound masquerade,
 * isolation, and living next to dockerd.
 *
 * Per bridge B with subnet S, two things, both removed by nat_teardown:
 *
 * 1. An nftables table of berth's own, `ip berth_B` (libnftables, one
 *    atomic batch):
 *      postrouting (nat):  ip saddr S oifname != B masquerade
 *      forward (filter):   oifname B iifname != B ct state new drop
 *                          iifname B oifname != B drop      (--internal only)
 *    The masquerade gives containers the host's route out; the drops keep
 *    other networks (and other hosts) from opening connections into this
 *    one, as docker's isolation chains do.  Deleting the table removes it all.
 *
 * 2. ACCEPT rules in the iptables FORWARD chain, through the `iptables`
 *    binary:
 *      -i B -j ACCEPT
 *      -o B -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
 *    (--internal: only -i B -o B -j ACCEPT).  Why there, and why the
 *    binary: dockerd sets that chain's policy to DROP and loads
 *    br_netfilter, so even traffic between two containers on one bridge
 *    passes through it.  An accept in any other table cannot help (in
 *    netfilter a packet must survive every base chain on its hook; a drop
 *    anywhere is final), so the accept has to be in the chain that drops.
 *    That chain lives in whichever backend `iptables` points at on this
 *    host (nft or legacy): dockerd drives it through the same binary, so
 *    berth does too, and lands in the same chain.  The rules go in whether
 *    or not dockerd runs now, so a dockerd started later does not cut
 *    berth's networks off.  A host without iptables needs none of this.
 *
 * Also: IPv4 forwarding is switched on for a non-internal network (as
 * dockerd does), since masquerading needs it.
 */
#ifndef BERTH_NAT_H
#define BERTH_NAT_H

#include <stdbool.h>
#include "err.h"
#include "ipam.h"

int nat_setup(const char *bridge, struct ipv4_net subnet, bool internal, berr_t *err);

/* Removes everything nat_setup added for this bridge; absent pieces are
 * not an error. */
int nat_teardown(const char *bridge, berr_t *err);

/* The nftables table name for a bridge ("berth_" + bridge). */
void nat_table_name(const char *bridge, char buf[32]);

#endif
