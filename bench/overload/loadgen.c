/*
 * The open-loop generator of `npm run bench:overload -- --generator native`:
 * the same schedule as open-loop.ts (requests sent in turn at a fixed rate
 * over pre-opened keep-alive connections, whatever the answers do), written
 * in C on epoll so that the generator adds microseconds, not the event-loop
 * turns and collector pauses of a Node process, to the latencies it times.
 * Built by the harness with the machine's C compiler (bench/overload/native.ts).
 *
 * usage: loadgen HOST PORT RATE SECONDS CONNECTIONS REQUESTS_FILE
 *   REQUESTS_FILE holds raw HTTP/1.1 requests, each as "<byte length>\n<bytes>":
 *   the first is sent once on every connection before the clock starts (a
 *   warm-up, as open-loop.ts's /healthz), the others in turn on the schedule.
 * stdout: one line per request, in schedule order:
 *   "<op> <due µs> <sent µs> <answered µs> <status> <overloaded 0|1> <retry-after 0|1>"
 *   (times from the schedule's start; sent: when the generator sent it on its
 *   way, before any wait for a free connection, as open-loop.ts times it;
 *   status 0 = the connection failed or no answer came),
 *   then "connections <opened> <closed>".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  int op;
  int64_t due, sent, answered;
  int status, overloaded, retry_after;
} Answer;

enum { CLOSED, CONNECTING, IDLE, BUSY };

typedef struct {
  int fd, state;
  int stacked; /* has an entry on the idle stack (maybe stale: skipped when popped) */
  long answer; /* index into answers while BUSY */
  const char *out;
  size_t out_len, out_off;
  char *buf;
  size_t len, cap;
} Conn;

static struct sockaddr_in addr;
static int epfd;
static Conn *conns;
static int nconns;
static int *idle_stack, idle_top; /* most recently used on top: cold connections time out unused */
static long *pending; /* requests waiting for a connection, FIFO */
static long pending_head, pending_tail;
static Answer *answers;
static char **reqs;
static size_t *req_lens;
static int nreqs;
static int64_t t0;
static long total, warming, answered_count, opened, closed;

static int64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what) {
  perror(what);
  exit(2);
}

static void watch(Conn *c, uint32_t events, int op) {
  struct epoll_event ev = {.events = events, .data.u32 = (uint32_t)(c - conns)};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) die("epoll_ctl");
}

static void open_conn(Conn *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  if (c->fd < 0) die("socket");
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->len = 0;
  c->state = CONNECTING;
  opened++;
  if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) die("connect");
  watch(c, EPOLLOUT, EPOLL_CTL_ADD);
}

static void close_conn(Conn *c) {
  close(c->fd);
  closed++;
  c->fd = -1;
  c->state = CLOSED;
}

/* The request on a connection that failed or was closed under it: status 0. */
static void lost(Conn *c) {
  answers[c->answer].answered = now_us() - t0;
  answers[c->answer].status = 0;
  answered_count++;
  close_conn(c);
}

static void flush(Conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0) {
      if (errno == EAGAIN) {
        watch(c, EPOLLIN | EPOLLOUT, EPOLL_CTL_MOD);
        return;
      }
      lost(c);
      return;
    }
    c->out_off += (size_t)n;
  }
  watch(c, EPOLLIN, EPOLL_CTL_MOD);
}

static void send_on(Conn *c, long i) {
  Answer *a = &answers[i];
  c->state = BUSY;
  c->answer = i;
  c->out = reqs[a->op];
  c->out_len = req_lens[a->op];
  c->out_off = 0;
  c->len = 0;
  flush(c);
}

/* A connection free for the next request: one waiting gets it, or it goes on the idle stack. */
static void release(Conn *c) {
  if (pending_head < pending_tail) send_on(c, pending[pending_head++]);
  else {
    c->state = IDLE;
    if (!c->stacked) {
      c->stacked = 1;
      idle_stack[idle_top++] = (int)(c - conns);
    }
  }
}

static void dispatch(long i) {
  /* Timed from here, as open-loop.ts does: a wait for a free connection is the server's latency, not the generator's lag. */
  answers[i].sent = now_us() - t0;
  while (idle_top > 0) {
    Conn *c = &conns[idle_stack[--idle_top]];
    c->stacked = 0;
    if (c->state == IDLE) {
      send_on(c, i);
      return;
    }
  }
  pending[pending_tail++] = i;
  for (int k = 0; k < nconns; k++) {
    if (conns[k].state == CLOSED) {
      open_conn(&conns[k]);
      return;
    }
  }
}

/* Requests waiting with no connection on its way for each (the server closed some under them): open closed ones. */
static void reopen_for_pending(void) {
  long waiting = pending_tail - pending_head;
  for (int k = 0; k < nconns && waiting > 0; k++) if (conns[k].state == CONNECTING) waiting--;
  for (int k = 0; k < nconns && waiting > 0; k++) {
    if (conns[k].state == CLOSED) {
      open_conn(&conns[k]);
      waiting--;
    }
  }
}

static const char *find_header(const char *head, size_t head_len, const char *name) {
  size_t n = strlen(name);
  for (const char *p = head; p && p < head + head_len; p = memchr(p, '\n', (size_t)(head + head_len - p))) {
    if (*p == '\n') p++;
    if ((size_t)(head + head_len - p) > n && strncasecmp(p, name, n) == 0) return p + n;
  }
  return NULL;
}

/* 1 when the buffer holds a whole response (and records it), 0 when more is to come. */
static int parse(Conn *c) {
  char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
  if (!end) return 0;
  size_t head_len = (size_t)(end - c->buf) + 4;
  const char *cl = find_header(c->buf, head_len, "content-length:");
  const char *body = c->buf + head_len;
  size_t body_len;
  int status = atoi(c->buf + 9);
  if (status == 204 || status == 304) body_len = 0;
  else if (cl) {
    body_len = strtoul(cl, NULL, 10);
    if (c->len < head_len + body_len) return 0;
  } else {
    const char *te = find_header(c->buf, head_len, "transfer-encoding:");
    if (!te) die("a response without a length");
    /* The last chunk: from the head's own CRLF when the body is empty. */
    char *last = memmem(body - 2, c->len - head_len + 2, "\r\n0\r\n\r\n", 7);
    if (!last) return 0;
    body_len = (size_t)(last + 7 - body);
  }
  Answer *a = &answers[c->answer];
  a->answered = now_us() - t0;
  answered_count++;
  a->status = status;
  a->overloaded = memmem(body, body_len, "\"OVERLOADED\"", 12) != NULL;
  a->retry_after = find_header(c->buf, head_len, "retry-after:") != NULL;
  const char *conn_header = find_header(c->buf, head_len, "connection:");
  int must_close = conn_header && strncasecmp(conn_header + strspn(conn_header, " "), "close", 5) == 0;
  if (must_close) close_conn(c);
  else release(c);
  return 1;
}

static void on_event(Conn *c, uint32_t events) {
  if (c->state == CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err || (events & (EPOLLERR | EPOLLHUP))) die("connect (asynchronous)");
    release(c);
    if (c->state == IDLE) watch(c, EPOLLIN, EPOLL_CTL_MOD);
    return;
  }
  if ((events & EPOLLOUT) && c->state == BUSY && c->out_off < c->out_len) flush(c);
  if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR)) || c->state == CLOSED) return;
  for (;;) {
    if (c->cap - c->len < 16384) {
      c->cap = c->cap * 2 + 65536;
      c->buf = realloc(c->buf, c->cap);
      if (!c->buf) die("realloc");
    }
    ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len);
    if (n > 0) {
      c->len += (size_t)n;
      if (c->state == BUSY && parse(c)) return;
      continue;
    }
    if (n < 0 && errno == EAGAIN) return;
    /* The server closed it (an idle one timed out) or it failed: a request on it is lost. */
    if (c->state == BUSY) lost(c);
    else close_conn(c);
    return;
  }
}

static void read_requests(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path);
  size_t len;
  while (fscanf(f, "%zu", &len) == 1) {
    if (fgetc(f) != '\n') die("requests file");
    reqs = realloc(reqs, sizeof *reqs * (size_t)(nreqs + 1));
    req_lens = realloc(req_lens, sizeof *req_lens * (size_t)(nreqs + 1));
    reqs[nreqs] = malloc(len);
    if (fread(reqs[nreqs], 1, len, f) != len) die("requests file");
    req_lens[nreqs++] = len;
  }
  fclose(f);
  if (nreqs < 2) die("no requests");
}

static void pump_until(int64_t deadline_us, int (*done)(void)) {
  struct epoll_event events[256];
  while (!done()) {
    int64_t left = deadline_us - now_us();
    if (left <= 0) {
      fprintf(stderr, "loadgen: answers still outstanding at the deadline\n");
      return;
    }
    int n = epoll_wait(epfd, events, 256, (int)(left / 1000) + 1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int k = 0; k < n; k++) on_event(&conns[events[k].data.u32], events[k].events);
    if (pending_head < pending_tail) reopen_for_pending();
  }
}

static int all_answered(void) { return answered_count == total; }
static int all_warm(void) { return answered_count == warming; }
static int all_connected(void) {
  for (int k = 0; k < nconns; k++) if (conns[k].state == CONNECTING) return 0;
  return 1;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: loadgen HOST PORT RATE SECONDS CONNECTIONS REQUESTS_FILE\n");
    return 2;
  }
  addr.sin_family = AF_INET;
  addr.sin_port = htons((uint16_t)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1) die("address");
  double rate = atof(argv[3]), seconds = atof(argv[4]);
  nconns = atoi(argv[5]);
  signal(SIGPIPE, SIG_IGN); /* a write to a connection the server reset is a lost request, not the end of the run */
  read_requests(argv[6]);
  total = (long)(rate * seconds + 0.5);
  answers = calloc((size_t)(total + nconns), sizeof *answers);
  pending = calloc((size_t)total, sizeof *pending);
  conns = calloc((size_t)nconns, sizeof *conns);
  idle_stack = calloc((size_t)nconns, sizeof *idle_stack);
  epfd = epoll_create1(0);
  int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
  if (epfd < 0 || timer < 0 || !answers || !pending || !conns || !idle_stack) die("setup");
  for (long i = 0; i < total; i++) {
    answers[i].op = 1 + (int)(i % (nreqs - 1));
    answers[i].answered = -1;
  }
  /* Every connection opened before the clock starts, as a load balancer's keep-alive pool would be. */
  for (int k = 0; k < nconns; k++) open_conn(&conns[k]);
  pump_until(now_us() + 10000000, all_connected);
  /* ...and each through one request and its answer: the server has accepted it (a connection still in its accept
     queue would make the schedule's first requests wait for the server's accept loop). */
  t0 = now_us();
  for (int k = 0; k < nconns; k++) {
    if (conns[k].state != IDLE) continue;
    answers[total + warming].op = 0;
    send_on(&conns[k], total + warming);
    warming++;
  }
  pump_until(now_us() + 10000000, all_warm);
  for (int k = 0; k < nconns; k++) if (conns[k].state == BUSY) close_conn(&conns[k]); /* a warm-up never answered */
  answered_count = 0;
  struct epoll_event tev = {.events = EPOLLIN, .data.u32 = (uint32_t)nconns};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, timer, &tev) < 0) die("epoll_ctl timer");

  double interval_us = 1e6 / rate;
  t0 = now_us();
  long next = 0;
  struct epoll_event events[256];
  while (next < total) {
    int64_t now = now_us() - t0;
    for (; next < total && (int64_t)(next * interval_us) <= now; next++) {
      answers[next].due = (int64_t)(next * interval_us);
      dispatch(next);
    }
    if (next >= total) break;
    int64_t due_abs = t0 + (int64_t)(next * interval_us);
    struct itimerspec its = {.it_value = {.tv_sec = due_abs / 1000000, .tv_nsec = (due_abs % 1000000) * 1000}};
    timerfd_settime(timer, TFD_TIMER_ABSTIME, &its, NULL);
    int n = epoll_wait(epfd, events, 256, -1);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int k = 0; k < n; k++) {
      if (events[k].data.u32 == (uint32_t)nconns) {
        uint64_t expirations;
        (void)!read(timer, &expirations, sizeof expirations);
      } else on_event(&conns[events[k].data.u32], events[k].events);
    }
    if (pending_head < pending_tail) reopen_for_pending();
  }
  pump_until(now_us() + 60000000, all_answered);
  int64_t gave_up = now_us() - t0;
  for (long i = 0; i < total; i++) {
    Answer *a = &answers[i];
    if (a->answered < 0) a->answered = gave_up; /* never answered: status 0, timed to the deadline */
    printf("%d %lld %lld %lld %d %d %d\n", a->op - 1, (long long)a->due, (long long)a->sent, (long long)a->answered, a->status, a->overloaded, a->retry_after);
  }
  printf("connections %ld %ld\n", opened, closed);
  return 0;
}
