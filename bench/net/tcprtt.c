/* tcprtt.c: connection set-up cost through a published port.
 *
 *   tcprtt server PORT             accept, echo one byte, close; forever
 *   tcprtt client HOST PORT N      N times: connect, send a byte, read it
 *                                  back, close; prints the median, p90 and
 *                                  mean of one such exchange in µs
 *
 * Run the server in a container, then the client against the container's
 * own address (no proxy) and against the published port: the difference
 * is what the port adds to opening a connection.  The server is one
 * process (no fork per connection, unlike busybox httpd), so the numbers
 * are the network path, not process creation.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	int one = 1;
	if (argc == 3 && strcmp(argv[1], "server") == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
		int s = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 128) < 0) {
			perror("bind");
			return 1;
		}
		for (;;) {
			int c = accept(s, NULL, NULL);
			char b;
			if (c < 0)
				continue;
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (read(c, &b, 1) == 1 && write(c, &b, 1) != 1) {
			}
			close(c);
		}
	}
	if (argc == 5 && strcmp(argv[1], "client") == 0) {
		struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai;
		int n = atoi(argv[4]);
		double *t = calloc((size_t)n, sizeof(double)), sum = 0;
		if (getaddrinfo(argv[2], argv[3], &hints, &ai) != 0) {
			fprintf(stderr, "cannot resolve %s\n", argv[2]);
			return 1;
		}
		for (int i = 0; i < n; i++) {
			double t0 = now_us();
			int c = socket(ai->ai_family, SOCK_STREAM, 0);
			char b = 'x';
			setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (connect(c, ai->ai_addr, ai->ai_addrlen) < 0 || write(c, &b, 1) != 1 || read(c, &b, 1) != 1) {
				perror("exchange");
				return 1;
			}
			close(c);
			t[i] = now_us() - t0;
			sum += t[i];
		}
		qsort(t, (size_t)n, sizeof(double), cmp);
		printf("median %.1f us  p90 %.1f us  mean %.1f us  (n=%d)\n", t[n / 2], t[n * 9 / 10], sum / n, n);
		return 0;
	}
	fprintf(stderr, "usage: tcprtt server PORT | tcprtt client HOST PORT N\n");
	return 2;
}
