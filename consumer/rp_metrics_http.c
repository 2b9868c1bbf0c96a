/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_metrics_http.c: rp-consumer's metrics over HTTP (see
 * rp_metrics_http.h). A minimal HTTP/1.0-style responder: one request per
 * connection, answered and closed; GET or HEAD of /metrics, 404 for other
 * paths, 405 for other methods. Requests are served one at a time, each
 * bounded by socket timeouts, which is what a Prometheus scrape needs.
 */

#define _GNU_SOURCE     /* accept4 */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "rp_metrics_http.h"

#define RP_MH_TEXT_MAX     (64 * 1024)
#define RP_MH_REQ_MAX      8192
#define RP_MH_IO_TIMEOUT   2       /* seconds, per read or write */
#define RP_MH_FRESH_MS     1000    /* how long a scrape waits for the loop */
#define RP_MH_STUCK_S      30      /* no rendering for this long: 503 */

static struct {
    int                   fd;
    int                   started;
    int                   stop;       /* read and set atomically */
    pthread_t             thread;
    pthread_mutex_t       mu;
    pthread_cond_t        cv;
    int                   want;       /* a scrape waits for a rendering */
    unsigned long         gen;        /* renderings made */
    time_t                rendered;   /* when the last one was (monotonic) */
    char                 *text;       /* the latest one */
    size_t                len;
    char                 *scratch;
    rp_metrics_render_pt  render;
    void                 *data;
} rp_mh = { .fd = -1, .mu = PTHREAD_MUTEX_INITIALIZER,
            .cv = PTHREAD_COND_INITIALIZER };


static void rp_mh_publish(void);
static time_t rp_mh_now(void);
static void *rp_mh_main(void *arg);
static void rp_mh_serve(int c);


int
rp_metrics_http_start(const char *host, int port, rp_metrics_render_pt render,
    void *data, char *err, size_t errlen)
{
    int               fd = -1, on = 1, rc;
    char              sport[16];
    sigset_t          all, old;
    struct addrinfo   hints, *ai = NULL, *a;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(sport, sizeof(sport), "%d", port);

    rc = getaddrinfo(host[0] ? host : NULL, sport, &hints, &ai);
    if (rc != 0) {
        snprintf(err, errlen, "metrics address %s:%d: %s", host, port,
                 gai_strerror(rc));
        return -1;
    }

    for (a = ai; a != NULL; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 64) == 0) {
            break;
        }
        rc = errno;
        close(fd);
        fd = -1;
        errno = rc;
    }

    if (fd < 0) {
        snprintf(err, errlen, "metrics address %s:%d: %s", host, port,
                 strerror(errno));
        freeaddrinfo(ai);
        return -1;
    }

    freeaddrinfo(ai);

    rp_mh.text = malloc(RP_MH_TEXT_MAX);
    rp_mh.scratch = malloc(RP_MH_TEXT_MAX);
    if (rp_mh.text == NULL || rp_mh.scratch == NULL) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        return -1;
    }

    rp_mh.fd = fd;
    rp_mh.render = render;
    rp_mh.data = data;
    rp_mh.stop = 0;
    rp_mh.want = 1;
    rp_mh_publish();

    /* signals stay with the main thread, which stops on SIGINT/SIGTERM */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&rp_mh.thread, NULL, rp_mh_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (rc != 0) {
        snprintf(err, errlen, "cannot start the metrics thread: %s",
                 strerror(rc));
        close(fd);
        rp_mh.fd = -1;
        return -1;
    }

    rp_mh.started = 1;
    return 0;
}


static time_t
rp_mh_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}


/* renders (in the main thread) and wakes the scrapes that wait */
static void
rp_mh_publish(void)
{
    size_t  n;

    n = rp_mh.render(rp_mh.data, rp_mh.scratch, RP_MH_TEXT_MAX);

    pthread_mutex_lock(&rp_mh.mu);
    memcpy(rp_mh.text, rp_mh.scratch, n);
    rp_mh.len = n;
    rp_mh.rendered = rp_mh_now();
    rp_mh.gen++;
    rp_mh.want = 0;
    pthread_cond_broadcast(&rp_mh.cv);
    pthread_mutex_unlock(&rp_mh.mu);
}


void
rp_metrics_http_poll(void)
{
    int  want;

    if (!rp_mh.started) {
        return;
    }

    pthread_mutex_lock(&rp_mh.mu);
    want = rp_mh.want;
    pthread_mutex_unlock(&rp_mh.mu);

    if (want) {
        rp_mh_publish();
    }
}


void
rp_metrics_http_stop(void)
{
    if (!rp_mh.started) {
        return;
    }

    __atomic_store_n(&rp_mh.stop, 1, __ATOMIC_RELEASE);
    pthread_join(rp_mh.thread, NULL);
    close(rp_mh.fd);
    rp_mh.fd = -1;
    rp_mh.started = 0;
    free(rp_mh.text);
    free(rp_mh.scratch);
    rp_mh.text = rp_mh.scratch = NULL;
}


static void *
rp_mh_main(void *arg)
{
    int            c;
    struct pollfd  p;

    (void) arg;

    while (!__atomic_load_n(&rp_mh.stop, __ATOMIC_ACQUIRE)) {
        p.fd = rp_mh.fd;
        p.events = POLLIN;
        p.revents = 0;

        /* wakes up now and then to see the stop flag */
        if (poll(&p, 1, 200) <= 0) {
            continue;
        }

        c = accept4(rp_mh.fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            continue;
        }

        rp_mh_serve(c);
        close(c);
    }

    return NULL;
}


static int
rp_mh_write(int c, const char *p, size_t n)
{
    ssize_t  w;

    while (n > 0) {
        w = send(c, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return -1;
        }
        p += w;
        n -= (size_t) w;
    }

    return 0;
}


static void
rp_mh_reply(int c, const char *status, const char *extra, const char *body,
    size_t len, int head)
{
    char  hdr[512];
    int   n;

    n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 %s\r\n"
                 "Content-Type: %s\r\nContent-Length: %zu\r\n%s"
                 "Connection: close\r\n\r\n", status,
                 extra == NULL ? "text/plain; version=0.0.4; charset=utf-8"
                               : "text/plain; charset=utf-8",
                 len, extra ? extra : "");

    if (rp_mh_write(c, hdr, (size_t) n) == 0 && !head) {
        (void) rp_mh_write(c, body, len);
    }
}


/*
 * The latest rendering made after this scrape arrived, or the last one if
 * the loop is busy (a Redis wait); NULL with *stuck set when the loop has
 * not rendered for RP_MH_STUCK_S seconds: the process answers but does
 * not work, which a health check must see.
 */
static char *
rp_mh_fresh(size_t *len, long *stuck)
{
    char             *copy;
    unsigned long     gen;
    struct timespec   until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long) RP_MH_FRESH_MS % 1000 * 1000000L;
    until.tv_sec += RP_MH_FRESH_MS / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;

    pthread_mutex_lock(&rp_mh.mu);
    gen = rp_mh.gen;
    rp_mh.want = 1;

    while (rp_mh.gen == gen
           && !__atomic_load_n(&rp_mh.stop, __ATOMIC_ACQUIRE))
    {
        if (pthread_cond_timedwait(&rp_mh.cv, &rp_mh.mu, &until)
            == ETIMEDOUT)
        {
            break;
        }
    }

    *stuck = 0;
    if (rp_mh_now() - rp_mh.rendered >= RP_MH_STUCK_S) {
        *stuck = (long) (rp_mh_now() - rp_mh.rendered);
        pthread_mutex_unlock(&rp_mh.mu);
        return NULL;
    }

    copy = malloc(rp_mh.len + 1);
    if (copy != NULL) {
        memcpy(copy, rp_mh.text, rp_mh.len);
        *len = rp_mh.len;
    }
    pthread_mutex_unlock(&rp_mh.mu);

    return copy;
}


static void
rp_mh_serve(int c)
{
    char            req[RP_MH_REQ_MAX + 1], *sp, *path, *end, *text;
    size_t          got = 0, len = 0;
    ssize_t         r;
    int             head, n;
    long            stuck;
    char            msg[128];
    struct timeval  tv = { RP_MH_IO_TIMEOUT, 0 };

    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));

    /* the request head; its body, if any, is not read */
    while (got < RP_MH_REQ_MAX) {
        r = recv(c, req + got, RP_MH_REQ_MAX - got, 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return;
        }
        got += (size_t) r;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n") != NULL || strstr(req, "\n\n") != NULL) {
            break;
        }
    }
    req[got] = '\0';

    sp = strchr(req, ' ');
    if (sp == NULL) {
        rp_mh_reply(c, "400 Bad Request", "", "bad request\n", 12, 0);
        return;
    }
    *sp = '\0';
    path = sp + 1;
    end = path + strcspn(path, " ?\r\n");
    *end = '\0';

    head = strcmp(req, "HEAD") == 0;

    if (strcmp(req, "GET") != 0 && !head) {
        rp_mh_reply(c, "405 Method Not Allowed", "Allow: GET, HEAD\r\n",
                    "only GET and HEAD\n", 18, 0);
        return;
    }

    if (strcmp(path, "/metrics") != 0) {
        rp_mh_reply(c, "404 Not Found", "", "the metrics are at /metrics\n",
                    28, head);
        return;
    }

    text = rp_mh_fresh(&len, &stuck);
    if (text == NULL && stuck) {
        n = snprintf(msg, sizeof(msg), "rp-consumer's main loop has not "
                     "run for %ld s\n", stuck);
        rp_mh_reply(c, "503 Service Unavailable", "", msg, (size_t) n, head);
        return;
    }
    if (text == NULL) {
        rp_mh_reply(c, "500 Internal Server Error", "", "out of memory\n",
                    14, head);
        return;
    }

    rp_mh_reply(c, "200 OK", NULL, text, len, head);
    free(text);
}
