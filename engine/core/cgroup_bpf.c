/* cgroup_bpf.c: docker's device rules as a cgroup v2 eBPF program.
 *
 * cgroup v2 has no devices.allow file: access to device nodes is decided by
 * a BPF_PROG_TYPE_CGROUP_DEVICE program attached to the cgroup, which sees
 * (type, access, major, minor) and returns 1 to allow.  The program here is
 * the same allow-list as the v1 rules in cgroup.c, written out as a chain of
 * compare-and-jump blocks (runc's and crun's device filters work this way).
 */
#define _GNU_SOURCE
#include "cgroup.h"
#include "cleanup.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WILD (-1)

struct dev_rule {
	char type;       /* 'c', 'b' or 'a' */
	int major, minor;
	unsigned access; /* BPF_DEVCG_ACC_* bits */
};

#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static const struct dev_rule rules[] = {
	{'c', WILD, WILD, M}, {'b', WILD, WILD, M}, {'c', 1, 3, R | W | M}, {'c', 1, 5, R | W | M},
	{'c', 1, 7, R | W | M}, {'c', 1, 8, R | W | M}, {'c', 1, 9, R | W | M}, {'c', 5, 0, R | W | M},
	{'c', 5, 1, R | W | M}, {'c', 5, 2, R | W | M}, {'c', 10, 200, R | W | M}, {'c', 136, WILD, R | W | M},
};

#define INSN(c, d, s, o, i) ((struct bpf_insn){.code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i)})
#define LDX_W(d, s, off) INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, off, 0)
#define ALU_K(op, d, imm) INSN(BPF_ALU | (op) | BPF_K, d, 0, 0, imm)
#define MOV_R(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV_K(d, imm) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, imm)
#define JNE_K(d, imm, off) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, off, imm)
#define JNE_R(d, s, off) INSN(BPF_JMP | BPF_JNE | BPF_X, d, s, off, 0)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The program for `privileged` (allow everything) or docker's rules. */
static size_t build(bool privileged, struct bpf_insn *p)
{
	size_t n = 0;

	if (privileged) {
		p[n++] = MOV_K(0, 1);
		p[n++] = EXIT();
		return n;
	}
	/* r2 = type, r3 = access, r4 = major, r5 = minor */
	p[n++] = LDX_W(2, 1, 0);
	p[n++] = ALU_K(BPF_AND, 2, 0xFFFF);
	p[n++] = LDX_W(3, 1, 0);
	p[n++] = ALU_K(BPF_RSH, 3, 16);
	p[n++] = LDX_W(4, 1, 4);
	p[n++] = LDX_W(5, 1, 8);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct dev_rule *r = &rules[i];
		struct bpf_insn blk[16];
		size_t k = 0;
		int type = r->type == 'c' ? BPF_DEVCG_DEV_CHAR : r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : 0;

		/* Each test jumps past the block's end (offset patched below). */
		if (type)
			blk[k++] = JNE_K(2, type, 0);
		if (r->access != (R | W | M)) {
			/* requested access must be a subset: (acc & allowed) == acc */
			blk[k++] = MOV_R(1, 3);
			blk[k++] = ALU_K(BPF_AND, 1, (int)r->access);
			blk[k++] = JNE_R(1, 3, 0);
		}
		if (r->major != WILD)
			blk[k++] = JNE_K(4, r->major, 0);
		if (r->minor != WILD)
			blk[k++] = JNE_K(5, r->minor, 0);
		blk[k++] = MOV_K(0, 1);
		blk[k++] = EXIT();
		for (size_t j = 0; j < k; j++) {
			if (BPF_CLASS(blk[j].code) == BPF_JMP && BPF_OP(blk[j].code) == BPF_JNE)
				blk[j].off = (short)(k - j - 1);
			p[n++] = blk[j];
		}
	}
	p[n++] = MOV_K(0, 0);
	p[n++] = EXIT();
	return n;
}

int cgroup_bpf_devices(const char *v2_path, bool privileged, berr_t *err)
{
	struct bpf_insn prog[256];
	size_t n = build(privileged, prog);
	union bpf_attr attr;
	cleanup_close int pfd = -1, cfd = -1;
	char log[1024] = "";

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t) "Apache";
	pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (pfd < 0) {
		/* Load again with the verifier's log, only to explain why. */
		int e = errno;
		attr.log_buf = (uint64_t)(uintptr_t)log;
		attr.log_size = sizeof(log);
		attr.log_level = 1;
		(void)syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
		log[sizeof(log) - 1] = '\0';
		return berr_make(err, e, "cannot load the device cgroup program%s%s", log[0] ? ": " : "", log);
	}
	cfd = open(v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0)
		return berr_make(err, errno, "cannot open %s", v2_path);
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cfd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr)) < 0)
		return berr_make(err, errno, "cannot attach the device cgroup program to %s", v2_path);
	return 0;
}
