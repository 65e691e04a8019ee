/*
 * A UDP load generator for the auction server, in C so that it is never the bottleneck.
 * Compiled at bench time by bench/ceiling.ts (gcc -O2); nothing here is shipped.
 *
 *   loadgen echo-server PORT
 *       a bare C echo server: measures how fast this generator itself can go.
 *   loadgen run PORT MODE IN_FLIGHT SECONDS [ITEM START_CENTS [RATE]]
 *       MODE echo: sends "PING n" lines and counts every reply.
 *       MODE bid:  registers a seller (own socket) that lists ITEM, registers a password-less
 *                  buyer, then bids on ITEM one cent above the last bid, keeping IN_FLIGHT
 *                  requests outstanding; counts BID_ACCEPTED replies.
 *       MODE bid-existing: as bid, but ITEM is already listed (no seller): only the buyer.
 *       MODE bid-fixed: registers a buyer and bids START_CENTS on ITEM every time (an unknown
 *                  name, or a bid too low): counts every reply.
 *       RATE > 0 paces the requests: open loop at RATE per second, at most IN_FLIGHT
 *                  outstanding; latency counts from the time a request was due, so a request
 *                  that waited for a free slot counts its wait. A request unanswered for 2 s
 *                  counts as lost (200 ms in closed loop).
 *   Prints one line of JSON: {"replies":N,"counted":N,"seconds":S,"perSecond":R,
 *                             "p50Us":U,"p99Us":U,"p999Us":U,"maxUs":U,"lost":N}
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_IN_FLIGHT 1024
/* A request unanswered for 200 ms (2 s when paced, to see long stalls) counts as lost. */
#define RESEND_AFTER_NS 200000000LL
#define PACED_LOST_AFTER_NS 2000000000LL
#define MAX_SAMPLES 4000000

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int udp_socket(int port, struct sockaddr_in *server) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) { perror("socket"); exit(1); }
  int size = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_in local = {.sin_family = AF_INET};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
  memset(server, 0, sizeof *server);
  server->sin_family = AF_INET;
  server->sin_port = htons((uint16_t)port);
  server->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return fd;
}

/* Sends `line` and waits up to 2 s (resending every 500 ms) for a reply starting with `expect`. */
static void request(int fd, struct sockaddr_in *server, const char *line, const char *expect) {
  char buffer[2048];
  for (int attempt = 0; attempt < 4; attempt++) {
    sendto(fd, line, strlen(line), 0, (struct sockaddr *)server, sizeof *server);
    int64_t until = now_ns() + 500000000LL;
    while (now_ns() < until) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      if (poll(&p, 1, 50) <= 0) continue;
      ssize_t n = recv(fd, buffer, sizeof buffer - 1, 0);
      if (n <= 0) continue;
      buffer[n] = 0;
      if (strncmp(buffer, expect, strlen(expect)) == 0) return;
    }
  }
  fprintf(stderr, "setup \"%s\" got no %s\n", line, expect);
  exit(1);
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void echo_server(int port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
  char buffer[2048];
  for (;;) {
    struct sockaddr_in from;
    socklen_t length = sizeof from;
    ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
    if (n > 0) sendto(fd, buffer, (size_t)n, 0, (struct sockaddr *)&from, length);
  }
}

int main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "echo-server") == 0) { echo_server(atoi(argv[2])); }
  if (argc < 6 || strcmp(argv[1], "run") != 0) {
    fprintf(stderr, "usage: loadgen run PORT echo|bid IN_FLIGHT SECONDS [ITEM START_CENTS]\n");
    return 2;
  }
  int port = atoi(argv[2]);
  const char *mode = argv[3];
  int with_seller = strcmp(mode, "bid") == 0;
  int bid = with_seller || strcmp(mode, "bid-existing") == 0 || strcmp(mode, "bid-fixed") == 0;
  int fixed = strcmp(mode, "bid-fixed") == 0;
  if (!bid && strcmp(mode, "echo") != 0) { fprintf(stderr, "bad MODE %s\n", mode); return 2; }
  int in_flight = atoi(argv[4]);
  double seconds = atof(argv[5]);
  const char *item = argc > 6 ? argv[6] : "Kite";
  long long cents = argc > 7 ? atoll(argv[7]) : 200;
  double rate = argc > 8 ? atof(argv[8]) : 0;
  int count_all = !bid || fixed;
  if (rate < 0) { fprintf(stderr, "bad RATE\n"); return 2; }
  if (in_flight < 1 || in_flight > MAX_IN_FLIGHT) { fprintf(stderr, "bad IN_FLIGHT\n"); return 2; }

  struct sockaddr_in server;
  int fd = udp_socket(port, &server);
  char line[256];
  if (bid) {
    struct sockaddr_in seller_server;
    int seller = udp_socket(port, &seller_server);
    int pid = (int)getpid();
    if (with_seller) {
      snprintf(line, sizeof line, "REGISTER 1 s%d seller 127.0.0.1 9 9", pid);
      request(seller, &seller_server, line, "REGISTERED");
      snprintf(line, sizeof line, "LIST_ITEM 2 %s bench 1.00 3600s", item);
      request(seller, &seller_server, line, "ITEM_LISTED");
    }
    snprintf(line, sizeof line, "REGISTER 1 b%d buyer 127.0.0.1 9 9", pid);
    request(fd, &server, line, "REGISTERED");
    /* The seller's socket stays open (BID_UPDATEs go to it) but is never read: its buffer fills
     * and the kernel drops the rest, as for a slow seller. */
  }

  /* Slot i holds the RQ# and send time of one outstanding request; RQ#s map to slots by
   * (rq - 1000) % in_flight, and a slot's next request takes RQ# + in_flight. */
  static int64_t sent_at[MAX_IN_FLIGHT];
  static long long slot_rq[MAX_IN_FLIGHT];
  static int busy[MAX_IN_FLIGHT];
  int64_t *samples = malloc(sizeof(int64_t) * MAX_SAMPLES);
  long long samples_count = 0, replies = 0, counted = 0, lost = 0, sent = 0;
  int free_slots = 0;
  char buffer[2048];

  int64_t start = now_ns();
  int64_t end = start + (int64_t)(seconds * 1e9);
  int64_t interval_ns = rate > 0 ? (int64_t)(1e9 / rate) : 0;
  int64_t next_due = start;
  for (int slot = 0; slot < in_flight; slot++) slot_rq[slot] = 1000 + slot - in_flight;

/* Sends the slot's next request, due at `due` (the latency counts from then). */
#define SEND_NEXT(slot, due)                                                                    \
  do {                                                                                          \
    long long fresh_ = slot_rq[slot] + in_flight;                                               \
    slot_rq[slot] = fresh_;                                                                     \
    int length_ = bid ? snprintf(line, sizeof line, "BID %lld %s %lld.%02lld", fresh_, item,    \
                                 cents / 100, cents % 100)                                      \
                      : snprintf(line, sizeof line, "PING %lld", fresh_);                       \
    if (!fixed) cents++;                                                                        \
    sent_at[slot] = (due);                                                                      \
    busy[slot] = 1;                                                                             \
    sent++;                                                                                     \
    sendto(fd, line, (size_t)length_, 0, (struct sockaddr *)&server, sizeof server);            \
  } while (0)

  if (rate > 0) {
    free_slots = in_flight;
  } else {
    for (int slot = 0; slot < in_flight; slot++) SEND_NEXT(slot, now_ns());
  }
  int64_t now = start;
  while ((now = now_ns()) < end) {
    /* Paced: send every request that is due, while a slot is free. */
    while (rate > 0 && free_slots > 0 && next_due <= now && next_due < end) {
      int slot = 0;
      while (busy[slot]) slot++;
      free_slots--;
      SEND_NEXT(slot, next_due);
      next_due += interval_ns;
    }
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int64_t wait_ns = 20000000LL;
    if (rate > 0 && free_slots > 0) wait_ns = next_due > now ? next_due - now : 0;
    if (wait_ns > 20000000LL) wait_ns = 20000000LL;
    struct timespec timeout = {.tv_sec = 0, .tv_nsec = wait_ns};
    int ready = ppoll(&p, 1, &timeout, NULL);
    now = now_ns();
    if (ready > 0) {
      for (;;) {
        ssize_t n = recv(fd, buffer, sizeof buffer - 1, MSG_DONTWAIT);
        if (n <= 0) break;
        now = now_ns();
        buffer[n] = 0;
        /* "NAME RQ# ...": find the slot of that RQ#. */
        char *space = strchr(buffer, ' ');
        if (!space) continue;
        long long rq = atoll(space + 1);
        long long slot = (rq - 1000) % in_flight;
        if (rq < 1000 || !busy[slot] || slot_rq[slot] != rq) continue; /* a push, or late */
        replies++;
        if (count_all || strncmp(buffer, "BID_ACCEPTED ", 13) == 0) counted++;
        if (samples_count < MAX_SAMPLES) samples[samples_count++] = now - sent_at[slot];
        if (rate > 0) {
          busy[slot] = 0;
          free_slots++;
        } else {
          SEND_NEXT(slot, now);
        }
      }
    }
    /* A request lost for 200 ms: its slot moves on (closed loop: to a new request). */
    for (int slot = 0; slot < in_flight; slot++) {
      if (!busy[slot] || now - sent_at[slot] < (rate > 0 ? PACED_LOST_AFTER_NS : RESEND_AFTER_NS)) {
        continue;
      }
      lost++;
      if (rate > 0) {
        busy[slot] = 0;
        free_slots++;
      } else {
        SEND_NEXT(slot, now_ns());
      }
    }
  }
  double elapsed = (double)(now_ns() - start) / 1e9;
  qsort(samples, (size_t)samples_count, sizeof(int64_t), compare_i64);
  int64_t p50 = samples_count ? samples[samples_count / 2] : 0;
  int64_t p99 = samples_count ? samples[(samples_count * 99) / 100] : 0;
  int64_t p999 = samples_count ? samples[(samples_count * 999) / 1000] : 0;
  int64_t max = samples_count ? samples[samples_count - 1] : 0;
  printf("{\"sent\":%lld,\"replies\":%lld,\"counted\":%lld,\"seconds\":%.3f,\"perSecond\":%.0f,"
         "\"p50Us\":%.1f,\"p99Us\":%.1f,\"p999Us\":%.1f,\"maxUs\":%.1f,\"lost\":%lld}\n",
         sent, replies, counted, elapsed, counted / elapsed, p50 / 1000.0, p99 / 1000.0,
         p999 / 1000.0, max / 1000.0, lost);
  return 0;
}
