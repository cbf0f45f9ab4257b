/* monitor.c: the I/O loop and the detached monitor (see monitor.h). */
#define _GNU_SOURCE
#include "monitor.h"
#include "attach.h"
#include "cleanup.h"
#include "db.h"
#include "logfile.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* ---- terminal ------------------------------------------------------- */

static struct termios saved_tio;
static int saved_fd = -1;

int term_raw(int fd)
{
	struct termios t;
	if (tcgetattr(fd, &saved_tio) < 0)
		return -1;
	t = saved_tio;
	cfmakeraw(&t);
	/* Keep output post-processing as docker's raw mode does not: the
	 * container's pty already turns \n into \r\n. */
	if (tcsetattr(fd, TCSADRAIN, &t) < 0)
		return -1;
	saved_fd = fd;
	return 0;
}

void term_restore(void)
{
	if (saved_fd >= 0) {
		tcsetattr(saved_fd, TCSADRAIN, &saved_tio);
		saved_fd = -1;
	}
}

void term_size(int fd, unsigned short *rows, unsigned short *cols)
{
	struct winsize ws;
	*rows = *cols = 0;
	if (fd >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

/* ---- the loop ------------------------------------------------------- */

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = {fd, POLLOUT, 0};
				poll(&pfd, 1, -1);
				continue;
			}
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const int proxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

/* `berth attach` clients of this run (attach.h). */
#define MAX_CLIENTS 16

static void client_send(struct pollfd *cp, char kind, const void *data, size_t len)
{
	struct iovec iov[2] = {{&kind, 1}, {(void *)data, len}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	if (cp->fd < 0)
		return;
	/* Blocking, as docker's attach streams: a client that does not read
	 * holds the container's output back, one that is gone is dropped. */
	while ((n = sendmsg(cp->fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (n < 0) {
		close(cp->fd);
		cp->fd = -1;
	}
}

int io_run(struct spawned *sp, const struct io_opts *o)
{
	enum { P_OUT, P_ERR, P_PTY, P_IN, P_PID, P_SIG, P_LISTEN, P_CLI, N = P_CLI + MAX_CLIENTS };
	struct pollfd p[N];
	sigset_t mask, old;
	int sfd, code = -1;
	char buf[ATTACH_MAX_MSG + 1];
	int out_dst = o->out_dst, err_dst = o->err_dst;
	bool exited = false;
	/* Called once, right before the first sleep: what it drops from
	 * memory stays dropped while nothing happens. */
	void (*shed)(void) = o->before_first_wait;

	sigemptyset(&mask);
	for (size_t i = 0; i < sizeof(proxied) / sizeof(proxied[0]); i++)
		if (o->proxy_signals)
			sigaddset(&mask, proxied[i]);
	sigaddset(&mask, SIGWINCH);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	signal(SIGPIPE, SIG_IGN);

	p[P_OUT] = (struct pollfd){sp->out_fd, POLLIN, 0};
	p[P_ERR] = (struct pollfd){sp->err_fd, POLLIN, 0};
	p[P_PTY] = (struct pollfd){sp->pty, POLLIN, 0};
	p[P_IN] = (struct pollfd){sp->pty >= 0 || sp->in_fd >= 0 ? o->in_src : -1, POLLIN, 0};
	p[P_PID] = (struct pollfd){sp->pidfd, POLLIN, 0};
	p[P_SIG] = (struct pollfd){sfd, POLLIN, 0};
	p[P_LISTEN] = (struct pollfd){o->attachable ? o->attach_fd : -1, POLLIN, 0};
	for (int i = P_CLI; i < N; i++)
		p[i] = (struct pollfd){-1, POLLIN, 0};

	for (;;) {
		bool open_out = p[P_OUT].fd >= 0 || p[P_ERR].fd >= 0 || p[P_PTY].fd >= 0;
		if (exited && !open_out)
			break;
		if (shed) {
			shed();
			shed = NULL;
		}
		int n = poll(p, N, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = P_OUT; i <= P_PTY; i++) {
			if (p[i].fd < 0 || !p[i].revents)
				continue;
			ssize_t r = read(p[i].fd, buf, ATTACH_MAX_MSG);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				/* EOF, or EIO on a pty whose slave side is gone. */
				p[i].fd = -1;
				continue;
			}
			enum log_stream st = i == P_ERR ? LOG_STDERR : LOG_STDOUT;
			int *dst = i == P_ERR ? &err_dst : &out_dst;
			if (o->log_fd >= 0)
				logfile_write(o->log_fd, st, buf, (size_t)r);
			if (*dst >= 0 && write_all(*dst, buf, (size_t)r) < 0)
				*dst = -1; /* our reader went away: keep draining */
			for (int c = P_CLI; c < N; c++)
				client_send(&p[c], i == P_ERR ? 'e' : 'o', buf, (size_t)r);
		}
		if (p[P_IN].fd >= 0 && p[P_IN].revents) {
			int dst = sp->pty >= 0 ? sp->pty : sp->in_fd;
			ssize_t r = read(p[P_IN].fd, buf, sizeof(buf));
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				;
			else if (r <= 0 || dst < 0 || write_all(dst, buf, (size_t)r) < 0) {
				/* Our stdin ended: so does the container's (not the
				 * pty's, which is the container's terminal). */
				p[P_IN].fd = -1;
				if (sp->in_fd >= 0) {
					close(sp->in_fd);
					sp->in_fd = -1;
				}
			}
		}
		if (p[P_LISTEN].fd >= 0 && p[P_LISTEN].revents) {
			int cfd = accept4(p[P_LISTEN].fd, NULL, NULL, SOCK_CLOEXEC);
			int slot = -1;
			for (int c = P_CLI; cfd >= 0 && c < N && slot < 0; c++)
				if (p[c].fd < 0)
					slot = c;
			if (slot >= 0)
				p[slot] = (struct pollfd){cfd, POLLIN, 0};
			else if (cfd >= 0)
				close(cfd);
		}
		for (int c = P_CLI; c < N; c++) {
			if (p[c].fd < 0 || !p[c].revents)
				continue;
			if (!(p[c].events & POLLIN)) {
				/* Its stdin ended before; now it hung up. */
				if (p[c].revents & (POLLHUP | POLLERR)) {
					close(p[c].fd);
					p[c].fd = -1;
				}
				continue;
			}
			ssize_t r = recv(p[c].fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (r <= 0) {
				/* Its stdin ended (shutdown) or it left: keep sending it
				 * output until it hangs up. */
				if (r < 0 || (p[c].revents & (POLLHUP | POLLERR))) {
					close(p[c].fd);
					p[c].fd = -1;
				} else {
					p[c].events = 0;
				}
				continue;
			}
			if (buf[0] == 'i' && r > 1 && !exited) {
				int dst = sp->pty >= 0 ? sp->pty : sp->in_fd;
				if (dst >= 0)
					write_all(dst, buf + 1, (size_t)r - 1);
			} else if (buf[0] == 'r' && r == 1 + (ssize_t)sizeof(struct attach_winsize) && sp->pty >= 0) {
				struct attach_winsize aw;
				memcpy(&aw, buf + 1, sizeof(aw));
				struct winsize ws = {.ws_row = aw.rows, .ws_col = aw.cols};
				if (aw.rows && aw.cols)
					ioctl(sp->pty, TIOCSWINSZ, &ws);
			}
		}
		if (p[P_SIG].fd >= 0 && p[P_SIG].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if ((int)si.ssi_signo == SIGWINCH) {
					if (sp->pty >= 0 && o->winsize_src >= 0) {
						struct winsize ws;
						if (ioctl(o->winsize_src, TIOCGWINSZ, &ws) == 0)
							ioctl(sp->pty, TIOCSWINSZ, &ws);
					}
				} else if (!exited) {
					kill(sp->pid, (int)si.ssi_signo);
				}
			}
		}
		if (p[P_PID].fd >= 0 && p[P_PID].revents) {
			siginfo_t si;
			memset(&si, 0, sizeof(si));
			if (waitid(P_PIDFD, (id_t)sp->pidfd, &si, WEXITED) == 0) {
				code = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
				exited = true;
				p[P_PID].fd = -1;
				p[P_IN].fd = -1;
				/* Everything in its pid namespace is dead: the pipes
				 * reach EOF as soon as the kernel has closed them. */
			}
		}
	}
	if (!exited) {
		int st;
		while (waitpid(sp->pid, &st, 0) < 0 && errno == EINTR)
			;
		code = wait_status_code(st);
	}
	/* Attached clients learn the exit code, then the end. */
	for (int c = P_CLI; c < N; c++) {
		client_send(&p[c], 'x', &code, sizeof(code));
		if (p[c].fd >= 0)
			close(p[c].fd);
	}
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return code;
}

/* ---- the detached monitor ------------------------------------------- */

struct report {
	int ok;
	int status;
	pid_t pid;
	long long pid_start;
	char text[1024];
};

static bool r_auto_remove(const struct container *c)
{
	return json_is_true(json_object_get(c->host_config, "AutoRemove"));
}

static void sleep_ms_interruptible(long ms)
{
	sigset_t s;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	sigtimedwait(&s, NULL, &ts);
}

/* A monitor lives as long as its container, one per container: it should
 * cost little memory.  Forked from the CLI, it starts with the CLI's
 * mappings of every library the CLI loaded (libcurl and its TLS stack
 * after a pull, libarchive, ...) and with every page the container's
 * start touched.  It sheds them right before its first wait (io_run's
 * before_first_wait), so what stays resident is what waiting needs.  The monitor only ever calls libc, SQLite (and libm under it),
 * jansson, and for a restart's network libmnl and libnftables (with
 * theirs), so the pages of every other library are dropped
 * (MADV_DONTNEED).  The mappings stay: the dynamic linker still walks
 * those libraries' symbol tables when it binds a function lazily, and
 * read-only pages simply fault back in from the page cache.  Their
 * relocated data would read as unrelocated, which is why the monitor
 * never calls into them again, never calls exit() (only _exit), and forks
 * only with raw clone, so no atfork handler of theirs can run. */
static void monitor_shed(void)
{
	static const char *const keep[] = {"libc.so", "libc-", "ld-linux", "ld-", "libsqlite3", "libjansson", "libm.so",
					   "libm-", "libpthread", "libdl", "libasan", "libubsan", "liblsan", "libtsan", "libgcc_s",
					   /* a restart sets up the container's network again
					    * (endpoint.h): netlink, and nftables when its
					    * bridge has to be made anew */
					   "libmnl", "libnftables", "libnftnl", "libxtables", "libgmp", NULL};
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 262144;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				close(fd);
				return;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return;
	buf[len] = '\0';
	/* Each mapping: a header line "lo-hi perms off dev inode path", then
	 * "Key: value kB" lines, of which Anonymous tells whether the mapping
	 * holds pages of its own (relocations, data) or only file pages. */
	unsigned long lo = 0, hi = 0;
	char perms[8] = "";
	const char *path = NULL;
	for (char *line = buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		unsigned long a, b2;
		if (sscanf(line, "%lx-%lx %7s", &a, &b2, perms) == 3 && strchr(line, ' ')) {
			lo = a;
			hi = b2;
			path = strchr(line, '/');
		} else if (str_has_prefix(line, "Anonymous:") && path && hi > lo) {
			unsigned long anon = strtoul(line + 10, NULL, 10);
			const char *base = strrchr(path, '/') + 1;
			bool lib = strstr(path, ".so") != NULL, k = false;
			for (size_t i = 0; keep[i]; i++)
				k |= strncmp(base, keep[i], strlen(keep[i])) == 0;
			/* No fault-around: touching one function must not map
			 * the 64 KB around it. */
			madvise((void *)lo, hi - lo, MADV_RANDOM);
			if ((lib && !k) || anon == 0)
				madvise((void *)lo, hi - lo, MADV_DONTNEED);
			path = NULL;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(buf);
	malloc_trim(0);
}

/* An --rm container's row goes with it; `berth wait` from another CLI
 * still wants its exit code: leave it in exits/<id> for a while. */
static void note_exit(struct berth *b, const struct container *c, int code)
{
	cleanup_free char *dir = berth_path(b, "exits");
	cleanup_free char *path = xasprintf("%s/%s", dir, c->id);
	char buf[32];
	cleanup_berr berr_t e = NULL;
	DIR *d;
	struct dirent *de;
	time_t now = time(NULL);

	if (!r_auto_remove(c))
		return;
	mkdir(dir, 0700);
	snprintf(buf, sizeof(buf), "%d\n", code);
	write_file_atomic(path, buf, strlen(buf), 0600, &e);
	/* Old notes are of no use to anyone: drop those older than 10 min. */
	d = opendir(dir);
	while (d && (de = readdir(d))) {
		struct stat st;
		if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		if (now - st.st_mtime > 600)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
}

/* The monitor's life after the first start: watch, record, restart. */
__attribute__((noreturn)) static void monitor_loop(struct runner *r, struct spawned *sp, int log_fd, int attach_fd)
{
	struct berth *b = r->b;
	long long backoff_ms = 100;

	for (;;) {
		struct io_opts io = {.in_src = -1, .out_dst = -1, .err_dst = -1, .log_fd = log_fd, .winsize_src = -1,
				     .before_first_wait = monitor_shed, .attachable = attach_fd >= 0,
				     .attach_fd = attach_fd};
		long long started = monotonic_ns();
		int code = io_run(sp, &io);
		bool oom = runner_reap(r);
		cleanup_berr berr_t err = NULL;
		spawned_close(sp);

		/* Was it stopped by hand, and how often did it restart? */
		bool stop_requested = false;
		if (container_reload(b, r->c, &err) == 0)
			stop_requested = r->c->stop_requested;
		else
			_exit(0); /* removed under us (rm -f) */
		if (!restart_wanted(&r->spec, code, r->c->restart_count, stop_requested)) {
			note_exit(b, r->c, code);
			ctr_record_exit(b, r->c, code, oom, "", &err);
			_exit(0);
		}
		/* docker's backoff: 100 ms doubling, reset after 10 s of
		 * running; "restarting" meanwhile. */
		if (monotonic_ns() - started > 10000000000LL)
			backoff_ms = 100;
		{
			sqlite3 *db;
			cleanup_stmt sqlite3_stmt *st = NULL;
			if (container_db(b, &db, &err) == 0 &&
			    db_prepare(db,
				       "UPDATE containers SET state = 'restarting', exit_code = ?, oom_killed = ?, "
				       "finished_at = ?, restart_count = restart_count + 1, pid = 0, pid_start = 0 "
				       "WHERE id = ?",
				       &st, &err) == 0) {
				sqlite3_bind_int(st, 1, code);
				sqlite3_bind_int(st, 2, oom);
				sqlite3_bind_int64(st, 3, now_ns());
				sqlite3_bind_text(st, 4, r->c->id, -1, SQLITE_STATIC);
				sqlite3_step(st);
			}
		}
		sleep_ms_interruptible(backoff_ms);
		backoff_ms = backoff_ms * 2 > 60000 ? 60000 : backoff_ms * 2;
		if (container_reload(b, r->c, &err) < 0)
			_exit(0);
		if (r->c->stop_requested) {
			ctr_record_exit(b, r->c, code, oom, "", &err);
			_exit(0);
		}
		if (runner_spawn(r, sp, &err) < 0) {
			ctr_record_exit(b, r->c, err->status ? err->status : 125, false, err->msg, &err);
			_exit(0);
		}
		if (container_set_running(b, r->c, sp->pid, proc_start_time(sp->pid), getpid(),
					  proc_start_time(getpid()), &err) < 0)
			_exit(0);
		/* A stop that arrived while this instance was starting: end it;
		 * the loop then records the exit and does not restart. */
		if (container_reload(b, r->c, &err) == 0 && r->c->stop_requested)
			kill(sp->pid, SIGKILL);
		/* The connection is not needed while it runs: let it go. */
		db_close(b->db);
		b->db = NULL;
		malloc_trim(0);
	}
}

/* The monitor outlives the CLI: it must not keep open what the CLI's
 * caller gave it (a pipe a shell reads to its end, a test harness's
 * descriptors).  Everything from 3 up goes but the three it needs. */
static void close_all_but(int a, int b, int c)
{
	int keep[3] = {a, b, c}, lo = 3;
	/* sort the three */
	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (keep[j] < keep[i]) {
				int t = keep[i];
				keep[i] = keep[j];
				keep[j] = t;
			}
	for (int i = 0; i < 3; i++) {
		if (keep[i] < lo)
			continue;
		if (keep[i] > lo)
			syscall(SYS_close_range, (unsigned)lo, (unsigned)keep[i] - 1, 0U);
		lo = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)lo, ~0U, 0U);
}

static int write_full(int fd, const void *p, size_t len)
{
	return write_all(fd, p, len);
}

int monitor_detach(struct runner *r, berr_t *err)
{
	int rep[2], go[2];
	struct report rp;
	pid_t mon;
	ssize_t n;

	/* SQLite connections must not cross fork(). */
	db_close(r->b->db);
	r->b->db = NULL;
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return berr_make(err, errno, "pipe");
	fflush(stdout);
	fflush(stderr);
	mon = fork();
	if (mon < 0)
		return berr_make(err, errno, "cannot start the monitor");
	if (mon == 0) {
		struct spawned sp;
		cleanup_berr berr_t e = NULL;
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), log_fd, attach_fd;
		char c;

		close(rep[0]);
		close(go[1]);
		close_all_but(rep[1], go[0], null);
		setsid();
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
			close(null);
		}
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		{
			/* SIGUSR1 wakes a restart backoff (stop while restarting). */
			sigset_t s;
			sigemptyset(&s);
			sigaddset(&s, SIGUSR1);
			sigprocmask(SIG_BLOCK, &s, NULL);
		}
		memset(&rp, 0, sizeof(rp));
		log_fd = open(r->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		/* Listening before the CLI returns: an attach right after
		 * run -d must find it. */
		attach_fd = attach_listen(r->cdir);
		if (runner_spawn(r, &sp, &e) < 0) {
			rp.status = e->status ? e->status : 125;
			snprintf(rp.text, sizeof(rp.text), "%s", e->msg);
			write_full(rep[1], &rp, sizeof(rp));
			_exit(1);
		}
		rp.ok = 1;
		rp.pid = sp.pid;
		rp.pid_start = proc_start_time(sp.pid);
		write_full(rep[1], &rp, sizeof(rp));
		close(rep[1]);
		/* Wait until the CLI has recorded "running": an exit recorded
		 * before that would be overwritten. */
		while ((n = read(go[0], &c, 1)) < 0 && errno == EINTR)
			;
		close(go[0]);
		if (n == 1) {
			/* The CLI could not record it: undo. */
			kill(sp.pid, SIGKILL);
			io_run(&sp, &(struct io_opts){.in_src = -1, .out_dst = -1, .err_dst = -1, .log_fd = -1, .winsize_src = -1});
			runner_reap(r);
			_exit(1);
		}
		monitor_loop(r, &sp, log_fd, attach_fd);
	}
	close(rep[1]);
	close(go[0]);
	while ((n = read(rep[0], &rp, sizeof(rp))) < 0 && errno == EINTR)
		;
	close(rep[0]);
	if (n != (ssize_t)sizeof(rp) || !rp.ok) {
		int st;
		close(go[1]);
		while (waitpid(mon, &st, 0) < 0 && errno == EINTR)
			;
		if (n != (ssize_t)sizeof(rp))
			return berr_make(err, 0, "the container's monitor failed to start");
		rp.text[sizeof(rp.text) - 1] = '\0';
		return berr_make_status(err, rp.status, 0, "%s", rp.text);
	}
	if (container_set_running(r->b, r->c, rp.pid, rp.pid_start, mon, proc_start_time(mon), err) < 0) {
		write_full(go[1], "x", 1);
		close(go[1]);
		return -1;
	}
	close(go[1]);
	return 0;
}
