/* attach.c: the attach socket of a container's monitor and the client side
 * of `berth attach` (see attach.h). */
#define _GNU_SOURCE
#include "attach.h"
#include "cleanup.h"
#include "lifecycle.h"
#include "monitor.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A sockaddr for cdir/attach.sock reached through an O_PATH fd of cdir. */
static int attach_addr(const char *cdir, int *dirfd, struct sockaddr_un *sa)
{
	*dirfd = open(cdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*dirfd < 0)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "/proc/self/fd/%d/attach.sock", *dirfd);
	return 0;
}

int attach_listen(const char *cdir)
{
	struct sockaddr_un sa;
	cleanup_close int dfd = -1;
	int fd;

	if (attach_addr(cdir, &dfd, &sa) < 0)
		return -1;
	unlinkat(dfd, "attach.sock", 0);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* The container directory is private to the root's owner; the
	 * socket carries the container's stdin, so keep it so. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || fchmodat(dfd, "attach.sock", 0600, 0) < 0 ||
	    listen(fd, 16) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int attach_parse_detach_keys(const char *spec, unsigned char *keys, size_t cap)
{
	size_t n = 0;
	const char *p = spec;

	if (!spec || !*spec)
		return -1;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		unsigned char k;
		if (n >= cap)
			return -1;
		if (len == 1) {
			k = (unsigned char)p[0];
		} else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
			char c = p[5];
			if (c >= 'a' && c <= 'z')
				k = (unsigned char)(c - 'a' + 1);
			else if (c >= 'A' && c <= 'Z')
				k = (unsigned char)(c - 'A' + 1);
			else if (c == '@')
				k = 0;
			else if (c >= '[' && c <= '_')
				k = (unsigned char)(c - '[' + 27);
			else
				return -1;
		} else {
			return -1;
		}
		keys[n++] = k;
		if (!end)
			break;
		p = end + 1;
		if (!*p)
			return -1;
	}
	return (int)n;
}

static int send_msg(int fd, char kind, const void *data, size_t len)
{
	struct iovec iov[2] = {{&kind, 1}, {(void *)data, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;
	while ((n = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void send_winsize(int sock, int tfd)
{
	struct attach_winsize aw;
	term_size(tfd, &aw.rows, &aw.cols);
	if (aw.rows && aw.cols)
		send_msg(sock, 'r', &aw, sizeof(aw));
}

static int not_attachable(const struct container *c, berr_t *err)
{
	const char *msg = "You cannot attach to a stopped container, start it first";
	if (c->state == CS_PAUSED)
		msg = "You cannot attach to a paused container, unpause it first";
	else if (c->state == CS_RESTARTING)
		msg = "You cannot attach to a restarting container, wait until it is running";
	berr_make_status(err, 1, 0, "%s", msg);
	(*err)->plain = 1;
	return -1;
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

int ctr_attach(struct berth *b, struct container *c, const struct attach_opts *o, int *exit_code, berr_t *err)
{
	bool tty = json_is_true(json_object_get(c->config, "Tty"));
	bool use_stdin = !o->no_stdin && json_is_true(json_object_get(c->config, "OpenStdin"));
	bool proxy = o->sig_proxy && !tty, raw = false, got_code = false, detached = false;
	unsigned char keys[16];
	int nkeys = 0, matched = 0, sfd = -1, rc = 0;
	cleanup_close int dfd = -1, sock = -1;
	cleanup_free char *cdir = NULL;
	struct sockaddr_un sa;
	sigset_t mask, old;
	char buf[ATTACH_MAX_MSG + 1];

	*exit_code = 0;
	if (c->state != CS_RUNNING)
		return not_attachable(c, err);
	if (tty && use_stdin && !isatty(0)) {
		berr_make_status(err, 1, 0, "the input device is not a TTY");
		(*err)->plain = 1;
		return -1;
	}
	nkeys = attach_parse_detach_keys(o->detach_keys ? o->detach_keys : "ctrl-p,ctrl-q", keys, sizeof(keys));
	if (nkeys < 0) {
		berr_make_status(err, 1, 0, "Invalid detach keys (%s) provided", o->detach_keys);
		(*err)->plain = 1;
		return -1;
	}
	cdir = container_dir(b, c->id);
	if (attach_addr(cdir, &dfd, &sa) < 0)
		return berr_make(err, errno, "cannot open %s", cdir);
	sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return berr_make(err, errno, "socket");
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		/* It may have stopped meanwhile. */
		if (container_reload(b, c, err) < 0 || container_refresh(b, c, err) < 0)
			return -1;
		if (c->state != CS_RUNNING)
			return not_attachable(c, err);
		return berr_make(err, e, "cannot attach to container %s", c->name);
	}

	sigemptyset(&mask);
	if (proxy)
		for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
			sigaddset(&mask, proxied[i]);
	if (tty)
		sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);

	int tfd = isatty(0) ? 0 : isatty(1) ? 1 : -1;
	if (tty) {
		send_winsize(sock, tfd);
		if (use_stdin && term_raw(0) == 0)
			raw = true;
	}

	enum { P_SOCK, P_IN, P_SIG, N };
	struct pollfd p[N] = {{sock, POLLIN, 0}, {use_stdin ? 0 : -1, POLLIN, 0}, {sfd, POLLIN, 0}};
	for (;;) {
		if (poll(p, N, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[P_SOCK].revents) {
			ssize_t r = recv(sock, buf, sizeof(buf), 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				break;
			if (buf[0] == 'o' || buf[0] == 'e') {
				/* A reader of ours that went away: keep draining. */
				write_all(buf[0] == 'o' ? 1 : 2, buf + 1, (size_t)r - 1);
			} else if (buf[0] == 'x' && r == 1 + (ssize_t)sizeof(int)) {
				memcpy(exit_code, buf + 1, sizeof(int));
				got_code = true;
			}
		}
		if (p[P_IN].fd >= 0 && p[P_IN].revents) {
			ssize_t r = read(0, buf + 1, ATTACH_MAX_MSG - 16);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				/* Our input ended: the container's stays open (docker
				 * closes it only for StdinOnce); output goes on. */
				shutdown(sock, SHUT_WR);
				p[P_IN].fd = -1;
				continue;
			}
			if (tty) {
				/* docker's escape proxy: the keys are held back while
				 * they match, released when the sequence breaks. */
				char out[ATTACH_MAX_MSG];
				size_t on = 0;
				for (ssize_t i = 0; i < r && !detached; i++) {
					unsigned char ch = (unsigned char)buf[1 + i];
					if (ch == keys[matched]) {
						if (++matched == nkeys)
							detached = true;
						continue;
					}
					memcpy(out + on, keys, (size_t)matched);
					on += (size_t)matched;
					matched = 0;
					if (ch == keys[0]) {
						matched = 1;
						if (nkeys == 1)
							detached = true;
						continue;
					}
					out[on++] = (char)ch;
				}
				if (on && send_msg(sock, 'i', out, on) < 0)
					p[P_IN].fd = -1;
				if (detached)
					break;
			} else if (send_msg(sock, 'i', buf + 1, (size_t)r) < 0) {
				p[P_IN].fd = -1;
			}
		}
		if (p[P_SIG].fd >= 0 && p[P_SIG].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if ((int)si.ssi_signo == SIGWINCH)
					send_winsize(sock, tfd);
				else if (proc_alive(c->pid, c->pid_start))
					kill(c->pid, (int)si.ssi_signo);
			}
		}
	}
	if (raw)
		term_restore();
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (detached) {
		berr_make_status(err, 1, 0, "read escape sequence");
		(*err)->plain = 1;
		return -1;
	}
	if (!got_code) {
		/* The monitor went away without a word (killed): ask the
		 * record, as docker's CLI waits for the container. */
		if (ctr_wait(b, c, exit_code, err) < 0)
			return -1;
	}
	return rc;
}
