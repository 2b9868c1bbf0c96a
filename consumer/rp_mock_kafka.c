/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_mock_kafka.c: a Kafka broker for tests and the local pipeline, on
 * librdkafka's mock cluster (rdkafka_mock.h, experimental in 2.0.2).
 *
 * The mock cluster of librdkafka 2.0.2 always listens on an ephemeral
 * loopback port: rd_kafka_mock_cluster_new() has no port parameter. With
 * --port P this program listens on 127.0.0.1:P itself and forwards each
 * connection to the mock broker. Only the bootstrap connection goes through
 * the forwarder: Kafka metadata advertises the mock broker's own address,
 * so clients then connect to the mock port directly (also on loopback).
 */

#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "rp_tool.h"
#include "rp_version.h"

#define RP_MOCK_TOPICS_MAX  32

typedef struct {
    int  a;
    int  b;
} rp_fwd_pair_t;

static volatile sig_atomic_t  rp_run = 1;
static struct sockaddr_in     rp_mock_addr;

static const char rp_mock_usage[] =
"usage: rp-mock-kafka [--port P] [--partitions N] [--topic T ...]\n"
"\n"
"Runs a librdkafka mock cluster (one broker) until SIGTERM or SIGINT and\n"
"prints its bootstrap address 127.0.0.1:PORT as the first line on stdout.\n"
"\n"
"  --port P         accept bootstrap connections on 127.0.0.1:P (forwarded\n"
"                   to the mock broker, whose own ephemeral loopback port is\n"
"                   what metadata advertises; see stderr)\n"
"  --partitions N   partitions per topic (default 3)\n"
"  --topic T        topic to create (repeatable; default ecommerce-events\n"
"                   and ecommerce-events.dlq)\n"
"  -h, --help       this text\n";


/* long options only, as always; 'p', 'n', 't' are internal */
static const struct option  rp_mock_opts[] = {
    { "port", required_argument, NULL, 'p' },
    { "partitions", required_argument, NULL, 'n' },
    { "topic", required_argument, NULL, 't' },
    RP_OPT_HELP,
    { NULL, 0, NULL, 0 }
};


static void rp_stop(int sig);
static void *rp_fwd_conn(void *arg);
static void *rp_fwd_accept(void *arg);
static int rp_fwd_start(int port);


static void
rp_stop(int sig)
{
    (void) sig;
    rp_run = 0;
}


/* Copies bytes both ways until either side closes. */
static void *
rp_fwd_conn(void *arg)
{
    rp_fwd_pair_t  *pr = arg;
    struct pollfd   pfd[2];
    char            buf[65536];
    ssize_t         n, w, off;
    int             i, from, to;

    pfd[0].fd = pr->a;
    pfd[1].fd = pr->b;
    pfd[0].events = pfd[1].events = POLLIN;

    while (rp_run) {
        if (poll(pfd, 2, 500) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }

        for (i = 0; i < 2; i++) {
            if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
                continue;
            }
            from = pfd[i].fd;
            to = pfd[1 - i].fd;
            n = read(from, buf, sizeof(buf));
            if (n <= 0) {
                goto done;
            }
            for (off = 0; off < n; off += w) {
                w = write(to, buf + off, (size_t) (n - off));
                if (w <= 0) {
                    goto done;
                }
            }
        }
    }

done:

    close(pr->a);
    close(pr->b);
    free(pr);
    return NULL;
}


static void *
rp_fwd_accept(void *arg)
{
    int             lfd = (int) (intptr_t) arg, cfd, mfd;
    pthread_t       t;
    rp_fwd_pair_t  *pr;

    while (rp_run) {
        cfd = accept(lfd, NULL, NULL);
        if (cfd < 0) {
            usleep(10 * 1000);      /* EMFILE and friends: do not spin */
            continue;
        }

        mfd = socket(AF_INET, SOCK_STREAM, 0);
        if (mfd < 0 || connect(mfd, (struct sockaddr *) &rp_mock_addr,
                               sizeof(rp_mock_addr)) != 0)
        {
            fprintf(stderr, "rp-mock-kafka: forward connect failed: %s\n",
                    strerror(errno));
            if (mfd >= 0) {
                close(mfd);
            }
            close(cfd);
            continue;
        }

        pr = malloc(sizeof(*pr));
        if (pr == NULL) {
            close(cfd);
            close(mfd);
            continue;
        }
        pr->a = cfd;
        pr->b = mfd;

        if (pthread_create(&t, NULL, rp_fwd_conn, pr) != 0) {
            close(cfd);
            close(mfd);
            free(pr);
            continue;
        }
        pthread_detach(t);
    }

    return NULL;
}


static int
rp_fwd_start(int port)
{
    int                 fd, one = 1;
    pthread_t           t;
    struct sockaddr_in  sa;

    fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        fprintf(stderr, "rp-mock-kafka: socket(): %s\n", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t) port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) != 0
        || listen(fd, 64) != 0)
    {
        fprintf(stderr, "rp-mock-kafka: cannot listen on 127.0.0.1:%d: %s\n",
                port, strerror(errno));
        close(fd);
        return -1;
    }

    if (pthread_create(&t, NULL, rp_fwd_accept, (void *) (intptr_t) fd) != 0) {
        fprintf(stderr, "rp-mock-kafka: pthread_create failed\n");
        close(fd);
        return -1;
    }
    pthread_detach(t);
    return 0;
}


int
main(int argc, char **argv)
{
    int                       i, c, ntopics = 0, port = 0, partitions = 3;
    rp_opt_t                  op;
    int64_t                   v;
    char                      host[256];
    int                       bport;
    char                      errstr[512];
    const char               *topics[RP_MOCK_TOPICS_MAX], *bootstraps;
    rd_kafka_t               *rk;
    rd_kafka_conf_t          *conf;
    rd_kafka_mock_cluster_t  *mc;
    rd_kafka_resp_err_t       err;
    struct sigaction          sa;

    if (rp_version_arg(argc, argv, "rp-mock-kafka")) {
        return 0;
    }

    memset(&op, 0, sizeof(op));
    while ((c = rp_getopt(&op, argc, argv, "h", rp_mock_opts)) != -1) {
        switch (c) {
        case 'h':
            fputs(rp_mock_usage, stdout);
            return 0;
        case 'p':
            if (rp_opt_i64(&op, optarg, 1, 65535, &v) != 0) {
                goto usage;
            }
            port = (int) v;
            break;
        case 'n':
            if (rp_opt_i64(&op, optarg, 1, 1000, &v) != 0) {
                goto usage;
            }
            partitions = (int) v;
            break;
        case 't':
            if (optarg[0] == '\0') {
                rp_opt_bad(&op, optarg, "a topic name");
                goto usage;
            }
            if (ntopics == RP_MOCK_TOPICS_MAX) {
                snprintf(op.err, sizeof(op.err), "more than %d --topic",
                         RP_MOCK_TOPICS_MAX);
                goto usage;
            }
            topics[ntopics++] = optarg;
            break;
        default:
            goto usage;
        }
    }

    if (optind < argc) {
        snprintf(op.err, sizeof(op.err), "unexpected argument \"%s\"",
                 argv[optind]);
        goto usage;
    }

    if (ntopics == 0) {
        topics[ntopics++] = "ecommerce-events";
        topics[ntopics++] = "ecommerce-events.dlq";
    }

    /* The mock cluster needs a handle to live in; a producer will do. */
    conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr))
        != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "rp-mock-kafka: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "rp-mock-kafka: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    conf = NULL;    /* rd_kafka_new() took ownership */

    mc = rd_kafka_mock_cluster_new(rk, 1);
    if (mc == NULL) {
        fprintf(stderr, "rp-mock-kafka: cannot create the mock cluster\n");
        rd_kafka_destroy(rk);
        return 1;
    }

    for (i = 0; i < ntopics; i++) {
        err = rd_kafka_mock_topic_create(mc, topics[i], partitions, 1);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            fprintf(stderr, "rp-mock-kafka: topic \"%s\": %s\n", topics[i],
                    rd_kafka_err2str(err));
            goto failed;
        }
    }

    bootstraps = rd_kafka_mock_cluster_bootstraps(mc);
    if (rp_parse_hostport(bootstraps, host, sizeof(host), &bport) != 0) {
        fprintf(stderr, "rp-mock-kafka: unexpected bootstrap \"%s\"\n",
                bootstraps);
        goto failed;
    }

    memset(&rp_mock_addr, 0, sizeof(rp_mock_addr));
    rp_mock_addr.sin_family = AF_INET;
    rp_mock_addr.sin_port = htons((uint16_t) bport);
    rp_mock_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rp_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (port != 0) {
        if (rp_fwd_start(port) != 0) {
            goto failed;
        }
        printf("127.0.0.1:%d\n", port);
        fprintf(stderr, "rp-mock-kafka: forwarding 127.0.0.1:%d to the mock "
                "broker at 127.0.0.1:%d\n", port, bport);

    } else {
        printf("127.0.0.1:%d\n", bport);
    }
    fflush(stdout);

    fprintf(stderr, "rp-mock-kafka: %d topic(s), %d partition(s) each; "
            "SIGTERM stops\n", ntopics, partitions);

    while (rp_run) {
        usleep(100 * 1000);
    }

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 0;

failed:

    rd_kafka_mock_cluster_destroy(mc);
    rd_kafka_destroy(rk);
    return 1;

usage:

    fprintf(stderr, "rp-mock-kafka: %s\n%s", op.err, rp_mock_usage);
    return 2;
}
