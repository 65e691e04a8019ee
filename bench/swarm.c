/*
 * Many UDP peers at once, driven by commands on stdin, for the benchmarks that need thousands of
 * users (bench/fanout.ts, bench/memory.ts, ...). In C so that it is never the bottleneck; compiled
 * at bench time with gcc -O2, nothing here is shipped.
 *
 *   swarm PORT BASE_PORT WINDOW CLOSE_IDLE
 *
 * Peer number A sends from 127.(1 + A / 65536).((A / 256) % 256).(A % 256), port BASE_PORT
 * (0: any free port), so up to millions of distinct addresses fit on loopback and a later run
 * with the same BASE_PORT speaks for the same users. With CLOSE_IDLE 1 a peer's socket is closed
 * once it has nothing outstanding (for 100,000 users: file descriptors are limited).
 *
 * Commands, one per line:
 *   R A EXPECT LINE...   peer A sends LINE; its reply (same RQ#) must start with EXPECT.
 *                        At most WINDOW requests are outstanding; a request unanswered for 1 s
 *                        is sent again (same bytes), up to 10 times.
 *   SYNC                 waits for every reply; prints {"sync":N,"requests":N,"seconds":S}.
 *   FANOUT A ITEM CENTS COUNT EXPECTED
 *                        peer A bids on ITEM COUNT times (CENTS, CENTS+1, ...), one bid at a
 *                        time; each time measures how long after the BID left until the
 *                        EXPECTED-th BID_UPDATE carrying that amount arrived over all open
 *                        sockets (5 s at most). Prints {"fanout":{...}}.
 *   HOLD                 prints {"ready":true}, then keeps every socket open and drained until
 *                        SIGTERM; then prints {"datagrams":N}.
 * At the end of input: waits for every reply and prints {"done":true,"failed":N,...}.
 * Exit code 1 when a request failed; after 20 unanswered requests (each sent 10 times) it gives
 * up at once, since the server is not keeping up. SIGTERM ends it at once (after HOLD: cleanly).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEERS (1 << 21)
#define MAX_WINDOW 4096
#define RESEND_AFTER_NS 1000000000LL
#define MAX_ATTEMPTS 10
#define MAX_LINE 1200
#define GIVE_UP_AFTER_FAILURES 20 /* the server is overwhelmed: stop instead of waiting hours */

typedef struct {
  int used;
  int peer;
  long long rq;
  char expect[40];
  char line[MAX_LINE];
  int length;
  int64_t sent_at;
  int attempts;
} Slot;

static int server_port, base_port, window_size, close_idle;
static int *peer_fd;           /* socket of each peer, -1 when closed */
static int *peer_outstanding;  /* requests of each peer awaiting a reply */
static Slot slots[MAX_WINDOW];
static int outstanding;
static long long requests_done, failed, datagrams;
static int epoll_fd;
static struct sockaddr_in server;
static volatile sig_atomic_t stop_holding, holding;

/* The fan-out measurement in progress. */
static int fanout_active, fanout_peer, fanout_replied;
static long long fanout_rq;
static char fanout_amount[32];
static long long fanout_got;
static int64_t fanout_last_ns;

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int compare_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int open_peer(int peer) {
  if (peer_fd[peer] >= 0) return peer_fd[peer];
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) { perror("socket (raise ulimit -n)"); exit(1); }
  struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)base_port)};
  local.sin_addr.s_addr = htonl((127u << 24) | ((1u + (unsigned)peer / 65536u) << 16) |
                                (((unsigned)peer / 256u % 256u) << 8) | ((unsigned)peer % 256u));
  if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
  struct epoll_event event = {.events = EPOLLIN, .data.u32 = (uint32_t)peer};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
  peer_fd[peer] = fd;
  return fd;
}

static void close_peer(int peer) {
  if (peer_fd[peer] < 0) return;
  close(peer_fd[peer]);
  peer_fd[peer] = -1;
}

static void send_slot(Slot *slot) {
  int fd = open_peer(slot->peer);
  sendto(fd, slot->line, (size_t)slot->length, 0, (struct sockaddr *)&server, sizeof server);
  slot->sent_at = now_ns();
  slot->attempts++;
}

static void give_up_if_hopeless(void) {
  if (failed < GIVE_UP_AFTER_FAILURES) return;
  fprintf(stderr, "swarm: %lld requests failed, giving up\n", failed);
  exit(1);
}

static void finish_slot(Slot *slot) {
  slot->used = 0;
  outstanding--;
  requests_done++;
  if (--peer_outstanding[slot->peer] == 0 && close_idle) close_peer(slot->peer);
}

static int is_push(const char *name, size_t length) {
  static const char *pushes[] = {"AUCTION_ANNOUNCE", "BID_UPDATE", "PRICE_ADJUSTMENT",
                                 "NEGOTIATE_REQ"};
  for (size_t i = 0; i < sizeof pushes / sizeof *pushes; i++) {
    if (strlen(pushes[i]) == length && strncmp(name, pushes[i], length) == 0) return 1;
  }
  return 0;
}

/* Handles one datagram received by `peer`. */
static void on_datagram(int peer, char *text, int64_t at) {
  datagrams++;
  char *space = strchr(text, ' ');
  if (!space) return;
  size_t name_length = (size_t)(space - text);
  long long rq = atoll(space + 1);
  if (is_push(text, name_length)) {
    /* BID_UPDATE RQ# Item Highest_Bid ...: count the one carrying the amount being measured. */
    if (fanout_active && name_length == 10 && strncmp(text, "BID_UPDATE", 10) == 0) {
      char *item = strchr(space + 1, ' ');
      char *amount = item ? strchr(item + 1, ' ') : NULL;
      size_t wanted = strlen(fanout_amount);
      if (amount && strncmp(amount + 1, fanout_amount, wanted) == 0 && amount[1 + wanted] == ' ') {
        fanout_got++;
        fanout_last_ns = at;
      }
    }
    return;
  }
  if (fanout_active && peer == fanout_peer && rq == fanout_rq) {
    fanout_replied = 1;
    if (strncmp(text, "BID_ACCEPTED", 12) != 0) {
      fprintf(stderr, "fan-out bid refused: %s\n", text);
      failed++;
    }
    return;
  }
  for (int i = 0; i < window_size; i++) {
    Slot *slot = &slots[i];
    if (!slot->used || slot->peer != peer || slot->rq != rq) continue;
    if (strncmp(text, slot->expect, strlen(slot->expect)) != 0) {
      if (failed < 5) fprintf(stderr, "\"%s\" got \"%s\"\n", slot->line, text);
      failed++;
    }
    finish_slot(slot);
    return;
  }
}

/* Waits up to `timeout_ms` for datagrams, handles them, and resends what is overdue. */
static void pump(int timeout_ms) {
  static struct epoll_event events[512];
  char buffer[2048];
  int ready = epoll_wait(epoll_fd, events, 512, timeout_ms);
  for (int i = 0; i < ready; i++) {
    int peer = (int)events[i].data.u32;
    for (;;) {
      if (peer_fd[peer] < 0) break;
      ssize_t n = recv(peer_fd[peer], buffer, sizeof buffer - 1, 0);
      if (n < 0) break;
      buffer[n] = 0;
      on_datagram(peer, buffer, now_ns());
    }
  }
  int64_t now = now_ns();
  for (int i = 0; i < window_size; i++) {
    Slot *slot = &slots[i];
    if (!slot->used || now - slot->sent_at < RESEND_AFTER_NS) continue;
    if (slot->attempts >= MAX_ATTEMPTS) {
      if (failed < 5) fprintf(stderr, "\"%s\" got no reply\n", slot->line);
      failed++;
      finish_slot(slot);
      give_up_if_hopeless();
      continue;
    }
    send_slot(slot);
  }
}

static void request(int peer, const char *expect, const char *line) {
  while (outstanding >= window_size) pump(5);
  int free_slot = 0;
  while (slots[free_slot].used) free_slot++;
  Slot *slot = &slots[free_slot];
  slot->used = 1;
  slot->peer = peer;
  const char *space = strchr(line, ' ');
  slot->rq = space ? atoll(space + 1) : 0;
  snprintf(slot->expect, sizeof slot->expect, "%s", expect);
  slot->length = snprintf(slot->line, sizeof slot->line, "%s", line);
  slot->attempts = 0;
  outstanding++;
  peer_outstanding[peer]++;
  send_slot(slot);
}

static void fanout(int peer, const char *item, long long cents, int count, long long expected) {
  int64_t *samples = calloc((size_t)count, sizeof *samples);
  int64_t *reply_samples = calloc((size_t)count, sizeof *reply_samples);
  int measured = 0, replied = 0;
  long long missing = 0;
  int fd = open_peer(peer);
  char line[256];
  for (int k = 0; k < count; k++) {
    long long amount = cents + k;
    snprintf(fanout_amount, sizeof fanout_amount, "%lld.%02lld", amount / 100, amount % 100);
    fanout_rq = 900000 + k;
    fanout_peer = peer;
    fanout_got = 0;
    fanout_replied = 0;
    fanout_active = 1;
    int length = snprintf(line, sizeof line, "BID %lld %s %s", fanout_rq, item, fanout_amount);
    int64_t start = now_ns();
    sendto(fd, line, (size_t)length, 0, (struct sockaddr *)&server, sizeof server);
    int64_t reply_at = 0;
    while ((fanout_got < expected || !fanout_replied) && now_ns() - start < 5000000000LL) {
      pump(5);
      if (fanout_replied && reply_at == 0) reply_at = now_ns();
    }
    fanout_active = 0;
    if (reply_at) reply_samples[replied++] = reply_at - start;
    if (fanout_got >= expected) samples[measured++] = fanout_last_ns - start;
    else missing += expected - fanout_got;
    pump(0);
  }
  qsort(samples, (size_t)measured, sizeof *samples, compare_i64);
  qsort(reply_samples, (size_t)replied, sizeof *reply_samples, compare_i64);
  printf("{\"fanout\":{\"bids\":%d,\"expected\":%lld,\"complete\":%d,\"missing\":%lld,"
         "\"p50Ms\":%.2f,\"p99Ms\":%.2f,\"maxMs\":%.2f,\"replyP50Ms\":%.2f,\"replyP99Ms\":%.2f}}\n",
         count, expected, measured, missing,
         measured ? samples[measured / 2] / 1e6 : -1.0,
         measured ? samples[(measured * 99) / 100] / 1e6 : -1.0,
         measured ? samples[measured - 1] / 1e6 : -1.0,
         replied ? reply_samples[replied / 2] / 1e6 : -1.0,
         replied ? reply_samples[(replied * 99) / 100] / 1e6 : -1.0);
  fflush(stdout);
  free(samples);
  free(reply_samples);
}

static void on_sigterm(int signal) {
  (void)signal;
  if (!holding) _exit(1);
  stop_holding = 1;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: swarm PORT BASE_PORT WINDOW CLOSE_IDLE < commands\n");
    return 2;
  }
  server_port = atoi(argv[1]);
  base_port = atoi(argv[2]);
  window_size = atoi(argv[3]);
  close_idle = atoi(argv[4]);
  if (window_size < 1 || window_size > MAX_WINDOW) { fprintf(stderr, "bad WINDOW\n"); return 2; }
  server.sin_family = AF_INET;
  server.sin_port = htons((uint16_t)server_port);
  server.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  peer_fd = malloc(sizeof(int) * MAX_PEERS);
  peer_outstanding = calloc(MAX_PEERS, sizeof(int));
  for (int i = 0; i < MAX_PEERS; i++) peer_fd[i] = -1;
  epoll_fd = epoll_create1(0);
  signal(SIGTERM, on_sigterm);

  char command[MAX_LINE + 64];
  int syncs = 0;
  int64_t start = now_ns();
  while (fgets(command, sizeof command, stdin)) {
    command[strcspn(command, "\n")] = 0;
    if (strncmp(command, "R ", 2) == 0) {
      char expect[40];
      int peer, offset = 0;
      if (sscanf(command + 2, "%d %39s %n", &peer, expect, &offset) < 2 || offset == 0 ||
          peer < 0 || peer >= MAX_PEERS) {
        fprintf(stderr, "bad command: %s\n", command);
        return 2;
      }
      request(peer, expect, command + 2 + offset);
    } else if (strcmp(command, "SYNC") == 0) {
      while (outstanding > 0) pump(5);
      printf("{\"sync\":%d,\"requests\":%lld,\"failed\":%lld,\"seconds\":%.3f}\n", ++syncs,
             requests_done, failed, (double)(now_ns() - start) / 1e9);
      fflush(stdout);
    } else if (strncmp(command, "FANOUT ", 7) == 0) {
      int peer, count;
      long long cents, expected;
      char item[64];
      if (sscanf(command + 7, "%d %63s %lld %d %lld", &peer, item, &cents, &count, &expected) !=
          5) {
        fprintf(stderr, "bad command: %s\n", command);
        return 2;
      }
      while (outstanding > 0) pump(5);
      fanout(peer, item, cents, count, expected);
    } else if (strcmp(command, "HOLD") == 0) {
      while (outstanding > 0) pump(5);
      printf("{\"ready\":true,\"failed\":%lld}\n", failed);
      fflush(stdout);
      holding = 1;
      long long before = datagrams;
      int64_t hold_start = now_ns();
      while (!stop_holding) pump(50);
      printf("{\"datagrams\":%lld,\"seconds\":%.3f}\n", datagrams - before,
             (double)(now_ns() - hold_start) / 1e9);
      fflush(stdout);
      return 0;
    } else if (command[0] != 0) {
      fprintf(stderr, "bad command: %s\n", command);
      return 2;
    }
  }
  while (outstanding > 0) pump(5);
  printf("{\"done\":true,\"requests\":%lld,\"failed\":%lld,\"seconds\":%.3f}\n", requests_done,
         failed, (double)(now_ns() - start) / 1e9);
  return failed > 0;
}
