/* bgpfo-netlink: the kernel FIB writer's netlink pipe. Reads rtnetlink requests bgpfo encoded (src/fib/netlink-encode.ts)
 * from stdin, sends them to the kernel many per sendmsg without waiting for answers, and writes the answers as lines.
 *
 * Why a program of our own: Node has no AF_NETLINK sockets, and no maintained npm netlink library knows nexthop objects.
 * This program knows nothing of routes: it moves messages, answers interface-index questions, and reports answers.
 *
 *   bgpfo-netlink [--netns NAME]     (NAME as in /run/netns; setns before the socket is opened)
 *   bgpfo-netlink --probe            (opens a NETLINK_ROUTE socket and exits 0: "this helper runs here")
 *   --rcvbuf BYTES                   (the receive buffer, default 32 MB; tests make it small to prove an overrun is
 *                                     reported, not swallowed)
 *
 * stdin: netlink messages back to back, each 4-byte aligned (nlmsg_len is the message's own length). A message of type
 *   BGPFO_IFINDEX (never sent to the kernel) asks for the index of the interface named in its payload.
 * stdout, one line per answer:
 *   A <seq>                      the kernel acknowledged request <seq> (only requests with NLM_F_ACK are acknowledged)
 *   E <seq> <errno> <text>       the kernel refused request <seq>; <text> as iproute2 words it
 *   I <seq> <ifindex>            answer to an ifindex question (0: no such interface)
 * The kernel answers a request without NLM_F_ACK only when it fails, and answers one socket's requests in order, so
 * the writer puts NLM_F_ACK on the last request of a batch: its answer means every earlier answer has been read.
 * A full receive buffer (ENOBUFS) would mean lost answers: the helper then exits with status 3 rather than guess, so
 * the caller counts the outstanding requests as of unknown outcome. Exit 0 at end of input, 2 on bad input or setup.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
#ifndef NLMSGERR_ATTR_MSG
#define NLMSGERR_ATTR_MSG 1
#endif

#define BGPFO_IFINDEX 0xB601
/* Requests per sendmsg: bounds the answers one send can queue (every one an error, at most ~1.5 KB of receive
 * buffer each with NETLINK_CAP_ACK) far below the receive buffer asked for below. */
#define CHUNK_MSGS 1024
#define CHUNK_BYTES (256 * 1024)
#define RCVBUF (32 * 1024 * 1024)
#define MAX_MSG (64 * 1024)

static int nl = -1;
static int ioctl_fd = -1;
static int rcvbuf = RCVBUF;
static char chunk[CHUNK_BYTES];
static size_t chunk_len, chunk_msgs;
static unsigned char rx[256 * 1024];

static void die(int code, const char *what) {
  fprintf(stderr, "bgpfo-netlink: %s: %s\n", what, strerror(errno));
  exit(code);
}

static void out_flush(void) {
  if (fflush(stdout) != 0) exit(0); /* bgpfo went away: nothing left to report to */
}

/* iproute2's words, so reports read the same whichever writer produced them. */
static void report_error(uint32_t seq, int err, const char *extack) {
  if (extack && *extack) {
    size_t n = strlen(extack);
    printf("E %u %d Error: %s%s\n", seq, err, extack, n && extack[n - 1] == '.' ? "" : ".");
  } else {
    printf("E %u %d RTNETLINK answers: %s\n", seq, err, strerror(err));
  }
}

static void handle_answer(struct nlmsghdr *h) {
  if (h->nlmsg_type != NLMSG_ERROR) return; /* nothing else is asked for */
  if (h->nlmsg_len < NLMSG_LENGTH(sizeof(int))) {
    /* An answer we cannot read is an answer lost: stop, so the caller counts the outcome as unknown. */
    out_flush();
    fprintf(stderr, "bgpfo-netlink: truncated answer to request %u\n", h->nlmsg_seq);
    exit(3);
  }
  struct nlmsgerr *e = NLMSG_DATA(h);
  if (e->error == 0) {
    printf("A %u\n", h->nlmsg_seq);
    return;
  }
  char msg[256] = "";
  if ((h->nlmsg_flags & NLM_F_ACK_TLVS) && h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e))) {
    /* With NETLINK_CAP_ACK the echoed request is its header alone; the TLVs follow it. */
    size_t off = NLMSG_LENGTH(sizeof(*e));
    while (off + sizeof(struct nlattr) <= h->nlmsg_len) {
      struct nlattr *a = (struct nlattr *)((char *)h + off);
      if (a->nla_len < sizeof(*a) || off + a->nla_len > h->nlmsg_len) break;
      if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
        size_t n = a->nla_len - sizeof(*a);
        if (n >= sizeof(msg)) n = sizeof(msg) - 1;
        memcpy(msg, (char *)a + sizeof(*a), n);
        msg[n] = 0;
        for (char *p = msg; *p; p++)
          if (*p == '\n') *p = ' ';
      }
      off += NLA_ALIGN(a->nla_len);
    }
  }
  report_error(h->nlmsg_seq, -e->error, msg);
}

/* Reads every answer queued now (block: wait for at least one). */
static void drain(int block) {
  for (;;) {
    ssize_t n = recv(nl, rx, sizeof(rx), block ? 0 : MSG_DONTWAIT);
    block = 0;
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == ENOBUFS) {
        out_flush();
        fprintf(stderr, "bgpfo-netlink: netlink receive buffer overrun: answers were lost; outstanding requests have an unknown outcome\n");
        exit(3);
      }
      die(2, "recv");
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)rx; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) handle_answer(h);
  }
  out_flush();
}

static void send_chunk(void) {
  if (chunk_len == 0) return;
  struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
  struct iovec iov = {.iov_base = chunk, .iov_len = chunk_len};
  struct msghdr m = {.msg_name = &kernel, .msg_namelen = sizeof(kernel), .msg_iov = &iov, .msg_iovlen = 1};
  for (;;) {
    ssize_t n = sendmsg(nl, &m, 0);
    if (n >= 0) break;
    if (errno == EINTR) continue;
    if (errno == ENOBUFS || errno == ENOMEM) {
      /* The kernel could not take the message: nothing of it was processed; read answers and try again. */
      drain(0);
      usleep(1000);
      continue;
    }
    die(2, "sendmsg");
  }
  chunk_len = 0;
  chunk_msgs = 0;
  /* rtnetlink handles a send in the sender's context: its answers are queued by now. */
  drain(0);
}

static void answer_ifindex(struct nlmsghdr *h) {
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  size_t n = h->nlmsg_len - NLMSG_HDRLEN;
  if (n >= sizeof(ifr.ifr_name)) n = sizeof(ifr.ifr_name) - 1;
  memcpy(ifr.ifr_name, NLMSG_DATA(h), n);
  int index = 0;
  if (ifr.ifr_name[0] && ioctl(ioctl_fd, SIOCGIFINDEX, &ifr) == 0) index = ifr.ifr_ifindex;
  printf("I %u %d\n", h->nlmsg_seq, index);
  out_flush();
}

static void open_socket(void) {
  nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (nl < 0) die(2, "netlink socket");
  int one = 1, size = rcvbuf;
  setsockopt(nl, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
  setsockopt(nl, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
  /* FORCE passes net.core.rmem_max (we run as root); the plain option is the fallback. */
  if (setsockopt(nl, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0) setsockopt(nl, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
  size = 4 * CHUNK_BYTES;
  if (setsockopt(nl, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0) setsockopt(nl, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  struct sockaddr_nl local = {.nl_family = AF_NETLINK};
  if (bind(nl, (struct sockaddr *)&local, sizeof(local)) < 0) die(2, "netlink bind");
  ioctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (ioctl_fd < 0) die(2, "socket");
}

int main(int argc, char **argv) {
  const char *netns = NULL;
  int probe = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--netns") && i + 1 < argc) netns = argv[++i];
    else if (!strcmp(argv[i], "--probe")) probe = 1;
    else if (!strcmp(argv[i], "--rcvbuf") && i + 1 < argc) rcvbuf = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: bgpfo-netlink [--netns NAME] [--probe] [--rcvbuf BYTES]\n");
      return 2;
    }
  }
  if (netns) {
    if (!*netns || strchr(netns, '/')) {
      fprintf(stderr, "bgpfo-netlink: bad namespace name\n");
      return 2;
    }
    char path[512];
    snprintf(path, sizeof(path), "/run/netns/%s", netns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) die(2, path);
    if (setns(fd, CLONE_NEWNET) < 0) die(2, "setns");
    close(fd);
  }
  open_socket();
  if (probe) return 0;
  static char outbuf[64 * 1024];
  setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));

  static char in[CHUNK_BYTES + MAX_MSG];
  size_t have = 0;
  struct pollfd fds[2] = {{.fd = 0, .events = POLLIN}, {.fd = nl, .events = POLLIN}};
  int eof = 0;
  while (!eof) {
    /* Answers are read after every send; polling the socket too keeps any late one from waiting for more input. */
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      die(2, "poll");
    }
    if (fds[1].revents & POLLIN) drain(0);
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(0, in + have, sizeof(in) - have);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      die(2, "read");
    }
    if (n == 0) eof = 1;
    have += (size_t)n;
    size_t off = 0;
    while (have - off >= NLMSG_HDRLEN) {
      struct nlmsghdr *h = (struct nlmsghdr *)(in + off);
      if (h->nlmsg_len < NLMSG_HDRLEN || h->nlmsg_len > MAX_MSG || (h->nlmsg_len & 3)) {
        fprintf(stderr, "bgpfo-netlink: bad message length %u at input offset %zu\n", h->nlmsg_len, off);
        return 2;
      }
      if (have - off < h->nlmsg_len) break;
      if (h->nlmsg_type == BGPFO_IFINDEX) {
        send_chunk();
        answer_ifindex(h);
      } else {
        if (chunk_len + h->nlmsg_len > sizeof(chunk) || chunk_msgs == CHUNK_MSGS) send_chunk();
        memcpy(chunk + chunk_len, h, h->nlmsg_len);
        chunk_len += h->nlmsg_len;
        chunk_msgs++;
      }
      off += h->nlmsg_len;
    }
    memmove(in, in + off, have - off);
    have -= off;
    /* Nothing more waiting on stdin: send what we have rather than wait for a full chunk. */
    struct pollfd more = {.fd = 0, .events = POLLIN};
    if (eof || poll(&more, 1, 0) == 0) send_chunk();
  }
  if (have) {
    fprintf(stderr, "bgpfo-netlink: input ended inside a message\n");
    return 2;
  }
  send_chunk();
  return 0;
}
