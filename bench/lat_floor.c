/*
 * The C floors of one request in flight with an fdatasync per request (bench/lat_floor.ts
 * compiles this with gcc -O2 and drives it; nothing here is shipped):
 *
 *   lat_floor ceiling FILE SECONDS [prealloc]
 *       append 64 bytes + fdatasync, over and over: prints syncs per second. With `prealloc` the
 *       file is first filled with 64 MB of zeros and synced, then overwritten in place (pwrite):
 *       an fdatasync that flushes no size change.
 *   lat_floor serve PORT FILE [prealloc]
 *       UDP: receive a datagram, append it to FILE, fdatasync, send it back.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PREALLOC_BYTES (64 << 20)

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_file(const char *path, int prealloc) {
  int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY | (prealloc ? 0 : O_APPEND), 0600);
  if (fd < 0) { perror("open"); exit(1); }
  if (prealloc) {
    static char zeros[1 << 20];
    for (int i = 0; i < PREALLOC_BYTES / (1 << 20); i++) {
      if (write(fd, zeros, sizeof zeros) != sizeof zeros) { perror("write"); exit(1); }
    }
    fsync(fd);
  }
  return fd;
}

static off_t offset = 0;

static void put(int fd, int prealloc, const char *bytes, size_t n) {
  ssize_t done = prealloc ? pwrite(fd, bytes, n, offset) : write(fd, bytes, n);
  if (done != (ssize_t)n) { perror("write"); exit(1); }
  offset += n;
  if (offset + 4096 > PREALLOC_BYTES) offset = 0;
  if (fdatasync(fd) != 0) { perror("fdatasync"); exit(1); }
}

int main(int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "ceiling") == 0) {
    int prealloc = argc > 4 && strcmp(argv[4], "prealloc") == 0;
    int fd = open_file(argv[2], prealloc);
    char bytes[64];
    memset(bytes, 'a', sizeof bytes);
    double seconds = atof(argv[3]), start = now_s();
    long count = 0;
    while (now_s() - start < seconds) {
      put(fd, prealloc, bytes, sizeof bytes);
      count++;
    }
    printf("%.1f\n", count / (now_s() - start));
    close(fd);
    unlink(argv[2]);
    return 0;
  }
  if (argc >= 4 && strcmp(argv[1], "serve") == 0) {
    int prealloc = argc > 4 && strcmp(argv[4], "prealloc") == 0;
    int file = open_file(argv[3], prealloc);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) { perror("bind"); exit(1); }
    char buffer[2048];
    for (;;) {
      struct sockaddr_in from;
      socklen_t length = sizeof from;
      ssize_t n = recvfrom(fd, buffer, sizeof buffer, 0, (struct sockaddr *)&from, &length);
      if (n <= 0) continue;
      put(file, prealloc, buffer, (size_t)n);
      sendto(fd, buffer, (size_t)n, 0, (struct sockaddr *)&from, length);
    }
  }
  fprintf(stderr, "usage: lat_floor ceiling FILE SECONDS [prealloc] | serve PORT FILE [prealloc]\n");
  return 2;
}
