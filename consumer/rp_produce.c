/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_produce.c: rp-produce, the event producer.
 *
 *   rp-produce -b BROKERS [-t TOPIC] batch --events N [--seed S]
 *              [--keep-time]
 *   rp-produce -b BROKERS continuous --rate R [--duration S]
 *   rp-produce -b BROKERS custom --user U --product P --type T --amount A
 *   rp-produce -b BROKERS --from EVENTS.csv
 *   rp-produce -b BROKERS raw [--key K] < LINES     (each line verbatim)
 *
 * Values are JSON events (rp_event_to_json), keyed by user_id so that one
 * user's events stay in order on one partition. Every message has a
 * delivery report; a failed delivery is an error and the exit status is 1.
 *
 * batch and continuous take their events from the core library's behaviour
 * model (lib/rp_synth.h), the one behind "rp-train generate": the simulation
 * says who does what to which product for how much, the wall clock says
 * when (unless batch --keep-time). Stamped events get ids unique to the
 * run (a random nonce), so a second run with the same seed is not taken
 * for a replay by the store.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "rp_event.h"
#include "rp_batch.h"
#include "rp_synth.h"
#include "rp_tool.h"
#include "rp_kafka_conf.h"
#include "rp_version.h"

#define RP_JSON_MAX  1024

typedef struct {
    const char  *brokers;
    const char  *topic;
    const char  *mode;
    const char  *from;
    const char  *csv_out;
    const char  *x[RP_KAFKA_X_MAX];
    int          nx;
    int64_t      events;
    int64_t      seed;
    int64_t      users;
    int64_t      products;
    int64_t      days;
    double       rate;
    int64_t      duration;
    int64_t      flush_timeout;
    int64_t      wait_timeout;
    const char  *user;
    const char  *product;
    const char  *type;
    const char  *amount;
    const char  *timestamp;
    const char  *event_id;
    const char  *key;
    int          quiet;
    int          keep_time;
} rp_produce_opts_t;

static volatile sig_atomic_t  rp_run = 1;
static uint64_t               rp_delivered;
static uint64_t               rp_failed;
static FILE                  *rp_csv;
static rp_hist_t              rp_dr_lat;     /* produce call -> acked, ms */
static rd_kafka_resp_err_t    rp_send_err;   /* rp_send's last refusal */

static const char rp_produce_usage[] =
"usage: rp-produce -b BROKERS [-t TOPIC] [-X key=value]... MODE [options]\n"
"\n"
"modes:\n"
"  batch --events N [--seed S] [--users N] [--products N] [--days N]\n"
"        [--keep-time]\n"
"        the first N generated events, then exit; stamped with the current\n"
"        time, or with --keep-time the simulated times and ids (the rows of\n"
"        rp-train generate with the same options)\n"
"  continuous --rate R [--duration S] [--seed S] [--users N] [--products N]\n"
"        [--days N]\n"
"        R generated events per second, stamped when produced, until\n"
"        SIGINT/SIGTERM or S seconds\n"
"  custom --user U --product P --type T --amount A [--timestamp TS]\n"
"         [--event-id ID]\n"
"        one event (TS: ISO-8601 or epoch seconds, default now)\n"
"  --from EVENTS.csv [--rate R]\n"
"        the rows of an events file (\"-\" for stdin), in order; with\n"
"        --rate at most R events per second\n"
"  raw [--key K]\n"
"        each line of stdin as a message value, verbatim (test input)\n"
"\n"
"options:\n"
"  -b, --brokers LIST      bootstrap servers\n"
"  -t, --topic TOPIC       topic (default ecommerce-events)\n"
"  -X key=value            librdkafka producer property (repeatable)\n"
"      --csv-out FILE      also write the generated events as CSV\n"
"      --flush-timeout S   wait at most S seconds for deliveries (default 60)\n"
"      --wait-timeout S    wait at most S seconds for the topic's metadata\n"
"                          before the first event (default 30, 0 = don't)\n"
"  -q, --quiet             no summary line\n"
"  -h, --help              this text\n"
"\n"
"Generated events come from the behaviour model of rp-train generate\n"
"(defaults: --users 1000 --products 500 --days 180 --seed 42); when the\n"
"simulated period is over, the next one follows.\n";


static void rp_stop(int sig);
static void rp_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *op);
static int rp_parse(rp_produce_opts_t *o, int argc, char **argv);
static int rp_send(rd_kafka_t *rk, const char *topic, const char *key,
    size_t klen, const char *val, size_t vlen);
static int rp_send_event(rd_kafka_t *rk, const char *topic,
    const rp_event_t *ev);
static void rp_wait_until(rd_kafka_t *rk, double due);


static void
rp_stop(int sig)
{
    (void) sig;
    rp_run = 0;
}



static void
rp_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    int64_t          ts;

    (void) rk;
    (void) opaque;

    if (m->err) {
        if (rp_failed < 10) {
            fprintf(stderr, "rp-produce: delivery failed: %s\n",
                    rd_kafka_err2str(m->err));
        }
        rp_failed++;
        return;
    }

    rp_delivered++;

    /* The message opaque carries the produce time (ms, monotonic). */
    ts = (int64_t) (intptr_t) m->_private;
    if (ts > 0) {
        rp_hist_add(&rp_dr_lat, rp_clock_ms() - ts);
    }
}


/* The long options without a short form take values above a char's. */
enum {
    RP_O_FROM = 256, RP_O_CSV_OUT, RP_O_USER, RP_O_PRODUCT, RP_O_TYPE,
    RP_O_AMOUNT, RP_O_TIMESTAMP, RP_O_EVENT_ID, RP_O_KEY, RP_O_EVENTS,
    RP_O_SEED, RP_O_USERS, RP_O_PRODUCTS, RP_O_DAYS, RP_O_DURATION,
    RP_O_FLUSH_TIMEOUT, RP_O_WAIT_TIMEOUT, RP_O_RATE, RP_O_KEEP_TIME
};

static const struct option  rp_produce_opts[] = {
    { "brokers", required_argument, NULL, 'b' },
    { "topic", required_argument, NULL, 't' },
    { "quiet", no_argument, NULL, 'q' },
    { "from", required_argument, NULL, RP_O_FROM },
    { "csv-out", required_argument, NULL, RP_O_CSV_OUT },
    { "user", required_argument, NULL, RP_O_USER },
    { "product", required_argument, NULL, RP_O_PRODUCT },
    { "type", required_argument, NULL, RP_O_TYPE },
    { "amount", required_argument, NULL, RP_O_AMOUNT },
    { "timestamp", required_argument, NULL, RP_O_TIMESTAMP },
    { "event-id", required_argument, NULL, RP_O_EVENT_ID },
    { "key", required_argument, NULL, RP_O_KEY },
    { "events", required_argument, NULL, RP_O_EVENTS },
    { "seed", required_argument, NULL, RP_O_SEED },
    { "users", required_argument, NULL, RP_O_USERS },
    { "products", required_argument, NULL, RP_O_PRODUCTS },
    { "days", required_argument, NULL, RP_O_DAYS },
    { "duration", required_argument, NULL, RP_O_DURATION },
    { "flush-timeout", required_argument, NULL, RP_O_FLUSH_TIMEOUT },
    { "wait-timeout", required_argument, NULL, RP_O_WAIT_TIMEOUT },
    { "rate", required_argument, NULL, RP_O_RATE },
    { "keep-time", no_argument, NULL, RP_O_KEEP_TIME },
    RP_OPT_HELP,
    { NULL, 0, NULL, 0 }
};


static int
rp_parse(rp_produce_opts_t *o, int argc, char **argv)
{
    int        c, rc;
    char      *end;
    rp_opt_t   op;

    memset(o, 0, sizeof(*o));
    o->topic = "ecommerce-events";
    o->seed = RP_SYNTH_DEFAULT_SEED;
    o->users = RP_SYNTH_DEFAULT_USERS;
    o->products = RP_SYNTH_DEFAULT_PRODUCTS;
    o->days = RP_SYNTH_DEFAULT_DAYS;
    o->flush_timeout = 60;
    o->wait_timeout = 30;

    memset(&op, 0, sizeof(op));

    /* "-": the mode is an argument in order, wherever it stands */
    while ((c = rp_getopt(&op, argc, argv, "-b:t:X:qh", rp_produce_opts))
           != -1)
    {
        rc = 0;

        switch (c) {
        case 'h':
            fputs(rp_produce_usage, stdout);
            exit(0);
        case 1:
            if (o->mode != NULL) {
                fprintf(stderr, "rp-produce: two modes: \"%s\" and \"%s\"\n",
                        o->mode, optarg);
                return -1;
            }
            o->mode = optarg;
            break;
        case 'q':
            o->quiet = 1;
            break;
        case RP_O_KEEP_TIME:
            o->keep_time = 1;
            break;
        case 'b':
            o->brokers = optarg;
            break;
        case 't':
            o->topic = optarg;
            break;
        case RP_O_FROM:
            o->from = optarg;
            break;
        case RP_O_CSV_OUT:
            o->csv_out = optarg;
            break;
        case RP_O_USER:
            o->user = optarg;
            break;
        case RP_O_PRODUCT:
            o->product = optarg;
            break;
        case RP_O_TYPE:
            o->type = optarg;
            break;
        case RP_O_AMOUNT:
            o->amount = optarg;
            break;
        case RP_O_TIMESTAMP:
            o->timestamp = optarg;
            break;
        case RP_O_EVENT_ID:
            o->event_id = optarg;
            break;
        case RP_O_KEY:
            o->key = optarg;
            break;
        case RP_O_EVENTS:
            rc = rp_opt_i64(&op, optarg, 0, INT64_MAX / 2, &o->events);
            break;
        case RP_O_SEED:
            rc = rp_opt_i64(&op, optarg, 0, INT64_MAX, &o->seed);
            break;
        case RP_O_USERS:
            rc = rp_opt_i64(&op, optarg, 1, RP_SYNTH_USERS_MAX, &o->users);
            break;
        case RP_O_PRODUCTS:
            rc = rp_opt_i64(&op, optarg, 1, RP_SYNTH_PRODUCTS_MAX,
                            &o->products);
            break;
        case RP_O_DAYS:
            rc = rp_opt_i64(&op, optarg, 1, RP_SYNTH_DAYS_MAX, &o->days);
            break;
        case RP_O_DURATION:
            rc = rp_opt_i64(&op, optarg, 1, 86400 * 365, &o->duration);
            break;
        case RP_O_FLUSH_TIMEOUT:
            rc = rp_opt_i64(&op, optarg, 1, 86400, &o->flush_timeout);
            break;
        case RP_O_WAIT_TIMEOUT:
            rc = rp_opt_i64(&op, optarg, 0, 86400, &o->wait_timeout);
            break;
        case RP_O_RATE:
            o->rate = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->rate > 0)
                || o->rate > 1e8)
            {
                rc = rp_opt_bad(&op, optarg, "events per second, above 0 "
                                "and at most 1e8");
            }
            break;
        case 'X':
            if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
                rc = rp_opt_bad(&op, optarg, "key=value");
            } else if (o->nx == RP_KAFKA_X_MAX) {
                snprintf(op.err, sizeof(op.err), "more than %d -X options",
                         RP_KAFKA_X_MAX);
                rc = -1;
            } else {
                o->x[o->nx++] = optarg;
            }
            break;
        default:
            rc = -1;
            break;
        }

        if (rc != 0) {
            fprintf(stderr, "rp-produce: %s\n", op.err);
            return -1;
        }
    }

    if (o->brokers == NULL) {
        fprintf(stderr, "rp-produce: -b BROKERS is required\n");
        return -1;
    }
    if (o->from != NULL) {
        if (o->mode != NULL) {
            fprintf(stderr, "rp-produce: --from replaces the mode\n");
            return -1;
        }
        o->mode = "from";
    }
    if (o->mode == NULL) {
        fprintf(stderr, "rp-produce: a mode is required (batch, continuous, "
                "custom, raw or --from FILE)\n");
        return -1;
    }
    if (strcmp(o->mode, "batch") == 0 && o->events <= 0) {
        fprintf(stderr, "rp-produce: batch needs --events N\n");
        return -1;
    }
    if (o->keep_time && strcmp(o->mode, "batch") != 0) {
        fprintf(stderr, "rp-produce: --keep-time is for batch\n");
        return -1;
    }
    if (strcmp(o->mode, "continuous") == 0 && o->rate <= 0) {
        fprintf(stderr, "rp-produce: continuous needs --rate R\n");
        return -1;
    }
    if (strcmp(o->mode, "custom") == 0
        && (o->user == NULL || o->product == NULL || o->type == NULL
            || o->amount == NULL))
    {
        fprintf(stderr, "rp-produce: custom needs --user, --product, --type "
                "and --amount\n");
        return -1;
    }
    if (strcmp(o->mode, "batch") != 0 && strcmp(o->mode, "continuous") != 0
        && strcmp(o->mode, "custom") != 0 && strcmp(o->mode, "raw") != 0
        && strcmp(o->mode, "from") != 0)
    {
        fprintf(stderr, "rp-produce: unknown mode \"%s\"\n", o->mode);
        return -1;
    }

    return 0;
}


/*
 * Produces one message; waits for queue room. A message librdkafka refuses
 * (too large, unknown topic...) counts as failed, like a failed delivery,
 * so the summary's count is true. 0 / -1.
 */
static int
rp_send(rd_kafka_t *rk, const char *topic, const char *key, size_t klen,
    const char *val, size_t vlen)
{
    rd_kafka_resp_err_t  err;
    int64_t              ms;

    ms = rp_clock_ms();

    for ( ;; ) {
        err = rd_kafka_producev(rk,
                                RD_KAFKA_V_OPAQUE((void *) (intptr_t) ms),
                                RD_KAFKA_V_TOPIC(topic),
                                RD_KAFKA_V_KEY(key, klen),
                                RD_KAFKA_V_VALUE((void *) val, vlen),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            rd_kafka_poll(rk, 0);
            return 0;
        }
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
            rp_failed++;
            rp_send_err = err;
            return -1;
        }
        rd_kafka_poll(rk, 50);   /* serve delivery reports, make room */
    }
}


static int
rp_send_event(rd_kafka_t *rk, const char *topic, const rp_event_t *ev)
{
    char    json[RP_JSON_MAX], row[RP_JSON_MAX];
    size_t  n, r;

    n = rp_event_to_json(ev, json, sizeof(json));
    if (n == 0) {
        fprintf(stderr, "rp-produce: event %s does not fit in %d bytes\n",
                ev->event_id, RP_JSON_MAX);
        return -1;
    }

    if (rp_csv != NULL) {
        r = rp_event_to_csv(ev, row, sizeof(row));
        if (r == 0 || fwrite(row, 1, r, rp_csv) != r) {
            fprintf(stderr, "rp-produce: cannot write the CSV copy\n");
            return -1;
        }
    }

    if (rp_send(rk, topic, ev->user_id, ev->user_id_len, json, n) != 0) {
        fprintf(stderr, "rp-produce: event %s not sent to \"%s\": %s\n",
                ev->event_id, topic, rd_kafka_err2str(rp_send_err));
        return -1;
    }

    return 0;
}


/*
 * Paced modes: waits until the monotonic time due, serving delivery reports
 * meanwhile (a plain sleep left them queued until the next event, so at
 * 1 event/s every delivery looked a second late).
 */
static void
rp_wait_until(rd_kafka_t *rk, double due)
{
    double  left;

    while ((left = due - rp_clock_sec()) > 0.0005 && rp_run) {
        rd_kafka_poll(rk, left < 0.001 ? 1 : (int) (left * 1000));
    }
}


/* 64 random bits for this run's event ids: /dev/urandom, else the clock. */
static uint64_t
rp_run_nonce(void)
{
    int              fd;
    uint64_t         v = 0, z;
    struct timespec  ts;

    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &v, sizeof(v)) != (ssize_t) sizeof(v)) {
            v = 0;
        }
        close(fd);
    }

    if (v == 0) {
        clock_gettime(CLOCK_REALTIME, &ts);
        z = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec
            + ((uint64_t) getpid() << 40);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;      /* splitmix64 */
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        v = z ^ (z >> 31);
    }

    return v;
}


/*
 * batch and continuous: events of the behaviour model in simulated order.
 * When a simulated period is over, the next one (same seed, start moved
 * on by the period) follows, so batch always sends N events.
 */
static int
rp_mode_generate(rd_kafka_t *rk, const rp_produce_opts_t *o, int paced)
{
    int               rc, empty;
    char              err[RP_ERR_MAX];
    uint64_t          i, nonce, period;
    double            start, due;
    rp_synth_t         *gen;
    rp_event_t        ev;
    rp_synth_params_t   gp;
    struct timespec   wall;

    rp_synth_params_default(&gp);
    gp.users = (uint32_t) o->users;
    gp.products = (uint32_t) o->products;
    gp.days = (uint32_t) o->days;
    gp.seed = (uint64_t) o->seed;

    gen = rp_synth_create(&gp, err, sizeof(err));
    if (gen == NULL) {
        fprintf(stderr, "rp-produce: generator: %s\n", err);
        return -1;
    }

    nonce = rp_run_nonce();
    memset(&ev, 0, sizeof(ev));
    period = 0;
    empty = 0;
    rc = 0;
    start = rp_clock_sec();

    for (i = 0; rp_run; i++) {
        if (!paced && i == (uint64_t) o->events) {
            break;
        }

        if (paced) {
            due = start + (double) i / o->rate;
            if (o->duration && due - start >= (double) o->duration) {
                break;
            }
            rp_wait_until(rk, due);
        }

        while ((rc = rp_synth_next(gen, &ev)) == 0) {
            /* the period is over: the next one follows */
            if (++empty > 1000) {
                fprintf(stderr, "rp-produce: the simulation (%lld users, "
                        "%lld products, %lld days) gives no events\n",
                        (long long) o->users, (long long) o->products,
                        (long long) o->days);
                rp_synth_destroy(gen);
                return -1;
            }
            rp_synth_destroy(gen);
            period++;
            gp.start += (int64_t) gp.days * 86400;
            if (gp.start > RP_TIME_MAX - ((int64_t) gp.days + 2) * 86400) {
                gp.start = RP_SYNTH_DEFAULT_START;
            }
            gen = rp_synth_create(&gp, err, sizeof(err));
            if (gen == NULL) {
                fprintf(stderr, "rp-produce: generator: %s\n", err);
                return -1;
            }
        }
        if (rc < 0) {
            fprintf(stderr, "rp-produce: generator: %s\n",
                    rp_synth_error(gen));
            rp_synth_destroy(gen);
            return -1;
        }
        empty = 0;

        if (o->keep_time) {
            /* deterministic: the generator's ids, numbered on across periods */
            if (period > 0) {
                ev.event_id_len = (size_t) snprintf(ev.event_id,
                    sizeof(ev.event_id), "ev_%010llu",
                    (unsigned long long) (i + 1));
            }

        } else {
            clock_gettime(CLOCK_REALTIME, &wall);
            ev.ts = (int64_t) wall.tv_sec;
            ev.event_id_len = (size_t) snprintf(ev.event_id,
                sizeof(ev.event_id), "ev_%016llx_%010llu",
                (unsigned long long) nonce, (unsigned long long) (i + 1));
        }

        if (rp_send_event(rk, o->topic, &ev) != 0) {
            rp_synth_destroy(gen);
            return -1;
        }
    }

    rp_synth_destroy(gen);
    return 0;
}


/*
 * Wait until the topic's partitions are known, at most timeout_s seconds.
 *
 * Until the first metadata response the producer holds messages in an
 * unassigned queue; when the metadata arrives they are moved to their
 * partitions, but the broker thread only notices them at its next periodic
 * wake-up, so the first events of a run would wait that long for their
 * acknowledgement (bench/consumer-history.md). Asking for the
 * metadata first also turns an unreachable broker or a missing topic into
 * a clear error instead of deliveries that time out minutes later.
 */
static int
rp_wait_topic(rd_kafka_t *rk, const char *topic, int64_t timeout_s)
{
    double                        deadline, left, next_note;
    rd_kafka_topic_t             *rkt;
    const struct rd_kafka_metadata *md;
    rd_kafka_resp_err_t           err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    int                           parts;

    if (timeout_s == 0) {
        return 0;
    }

    rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rkt == NULL) {
        fprintf(stderr, "rp-produce: topic \"%s\": %s\n", topic,
                rd_kafka_err2str(rd_kafka_last_error()));
        return -1;
    }

    deadline = rp_clock_sec() + (double) timeout_s;
    next_note = rp_clock_sec() + 5;
    parts = 0;

    for ( ;; ) {
        left = deadline - rp_clock_sec();
        if (left <= 0 || !rp_run) {
            break;
        }

        md = NULL;
        err = rd_kafka_metadata(rk, 0, rkt, &md,
                                left > 1 ? 1000 : (int) (left * 1000) + 1);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (md->topic_cnt == 1) {
                err = md->topics[0].err;
                parts = md->topics[0].partition_cnt;
            }
            rd_kafka_metadata_destroy(md);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR && parts > 0) {
                rd_kafka_topic_destroy(rkt);
                return 0;
            }
        }

        if (rp_clock_sec() >= next_note) {
            fprintf(stderr, "rp-produce: waiting for topic \"%s\": %s\n",
                    topic, rd_kafka_err2str(err));
            next_note = rp_clock_sec() + 5;
        }
        if (err != RD_KAFKA_RESP_ERR__TRANSPORT
            && err != RD_KAFKA_RESP_ERR__TIMED_OUT)
        {
            usleep(100000);    /* an answer, not yet the topic: ask again */
        }
    }

    rd_kafka_topic_destroy(rkt);
    if (!rp_run) {
        return -1;
    }
    fprintf(stderr, "rp-produce: no partitions of topic \"%s\" known after "
            "%llds (--wait-timeout): %s\n", topic, (long long) timeout_s,
            rd_kafka_err2str(err));
    return -1;
}


static int
rp_mode_custom(rd_kafka_t *rk, const rp_produce_opts_t *o)
{
    rp_event_t       ev;
    struct timespec  ts;

    memset(&ev, 0, sizeof(ev));

#define RP_ID(field, src, what)                                              \
    ev.field##_len = strlen(src);                                            \
    if (!rp_id_valid(src, ev.field##_len)) {                                 \
        fprintf(stderr, "rp-produce: invalid %s \"%s\"\n", what, src);       \
        return -1;                                                           \
    }                                                                        \
    memcpy(ev.field, src, ev.field##_len + 1);

    RP_ID(user_id, o->user, "--user")
    RP_ID(product_id, o->product, "--product")

    if (rp_event_type_parse(o->type, strlen(o->type), &ev.type) != 0) {
        fprintf(stderr, "rp-produce: invalid --type \"%s\" (view, "
                "add_to_cart or purchase)\n", o->type);
        return -1;
    }
    if (rp_amount_parse(o->amount, strlen(o->amount), &ev.amount_cents) != 0) {
        fprintf(stderr, "rp-produce: invalid --amount \"%s\"\n", o->amount);
        return -1;
    }

    clock_gettime(CLOCK_REALTIME, &ts);
    ev.ts = ts.tv_sec;
    if (o->timestamp != NULL
        && rp_time_parse(o->timestamp, strlen(o->timestamp), &ev.ts) != 0)
    {
        fprintf(stderr, "rp-produce: invalid --timestamp \"%s\"\n",
                o->timestamp);
        return -1;
    }

    if (o->event_id != NULL) {
        RP_ID(event_id, o->event_id, "--event-id")

    } else {
        ev.event_id_len = (size_t) snprintf(ev.event_id, sizeof(ev.event_id),
            "custom_%lld_%09ld_%d", (long long) ts.tv_sec, ts.tv_nsec,
            (int) getpid());
    }

    return rp_send_event(rk, o->topic, &ev);
}


static int
rp_mode_from(rd_kafka_t *rk, const rp_produce_opts_t *o)
{
    FILE        *f;
    char        *line = NULL, err[RP_ERR_MAX];
    size_t       cap = 0, len;
    ssize_t      n;
    uint64_t     lineno = 0, sent = 0;
    rp_event_t   ev;
    int          rc = 0;
    double       start = rp_clock_sec(), due;

    f = strcmp(o->from, "-") == 0 ? stdin : fopen(o->from, "r");
    if (f == NULL) {
        fprintf(stderr, "rp-produce: cannot open \"%s\": %s\n", o->from,
                strerror(errno));
        return -1;
    }

    while (rp_run && (n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        len = (size_t) n;
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r')) {
            line[--len] = '\0';
        }
        if (lineno == 1) {
            if (strcmp(line, RP_CSV_HEADER) != 0) {
                fprintf(stderr, "rp-produce: %s: the first line must be the "
                        "header \"%s\"\n", o->from, RP_CSV_HEADER);
                rc = -1;
                break;
            }
            continue;
        }
        if (len == 0) {
            continue;
        }
        if (rp_event_from_csv(line, len, &ev, err, sizeof(err)) != 0) {
            fprintf(stderr, "rp-produce: %s:%llu: %s\n", o->from,
                    (unsigned long long) lineno, err);
            rc = -1;
            break;
        }
        if (o->rate > 0) {
            due = start + (double) sent / o->rate;
            rp_wait_until(rk, due);
        }
        if (rp_send_event(rk, o->topic, &ev) != 0) {
            rc = -1;
            break;
        }
        sent++;
    }

    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "rp-produce: read error on \"%s\"\n", o->from);
        rc = -1;
    }

    free(line);
    if (f != stdin) {
        fclose(f);
    }
    return rc;
}


/*
 * raw is test input, hostile on purpose: a line librdkafka refuses (too
 * large for message.max.bytes, say) is reported with its number and
 * counted as failed, and the next lines are still sent.
 */
static int
rp_mode_raw(rd_kafka_t *rk, const rp_produce_opts_t *o)
{
    char      *line = NULL;
    size_t     cap = 0, len;
    ssize_t    n;
    uint64_t   lineno = 0;
    int        rc = 0;

    while (rp_run && (n = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        len = (size_t) n;
        if (len > 0 && line[len - 1] == '\n') {
            line[--len] = '\0';
        }
        if (rp_send(rk, o->topic, o->key, o->key ? strlen(o->key) : 0,
                    line, len) != 0)
        {
            fprintf(stderr, "rp-produce: line %llu (%zu bytes) not sent to "
                    "\"%s\": %s\n", (unsigned long long) lineno, len,
                    o->topic, rd_kafka_err2str(rp_send_err));
            rc = -1;
        }
    }

    free(line);
    return rc;
}


int
main(int argc, char **argv)
{
    int                 rc;
    char                errstr[512];
    double              t0;
    rd_kafka_t         *rk;
    rd_kafka_conf_t    *conf;
    rp_produce_opts_t   o;
    struct sigaction    sa;

    if (rp_version_arg(argc, argv, "rp-produce")) {
        return 0;
    }

    if (rp_parse(&o, argc, argv) != 0) {
        fprintf(stderr, "rp-produce: try --help\n");
        return 2;
    }

    conf = rd_kafka_conf_new();

    if (rd_kafka_conf_set(conf, "bootstrap.servers", o.brokers, errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "linger.ms", "5", errstr, sizeof(errstr))
           != RD_KAFKA_CONF_OK
        || rd_kafka_conf_set(conf, "queue.buffering.max.messages", "500000",
                             errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
    {
        fprintf(stderr, "rp-produce: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }

    if (rp_kafka_conf_x(conf, o.x, o.nx, "rp-produce") != 0) {
        rd_kafka_conf_destroy(conf);
        return 1;
    }

    rd_kafka_conf_set_dr_msg_cb(conf, rp_dr_cb);

    rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk == NULL) {
        fprintf(stderr, "rp-produce: rd_kafka_new: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        return 1;
    }
    conf = NULL;    /* rd_kafka_new() took ownership */

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = rp_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    if (rp_wait_topic(rk, o.topic, o.wait_timeout) != 0) {
        rd_kafka_destroy(rk);
        return 1;
    }

    if (o.csv_out != NULL) {
        rp_csv = fopen(o.csv_out, "w");
        if (rp_csv == NULL || fprintf(rp_csv, "%s\n", RP_CSV_HEADER) < 0) {
            fprintf(stderr, "rp-produce: cannot write \"%s\": %s\n",
                    o.csv_out, strerror(errno));
            rd_kafka_destroy(rk);
            return 1;
        }
    }

    t0 = rp_clock_sec();

    if (strcmp(o.mode, "batch") == 0) {
        rc = rp_mode_generate(rk, &o, 0);
    } else if (strcmp(o.mode, "continuous") == 0) {
        rc = rp_mode_generate(rk, &o, 1);
    } else if (strcmp(o.mode, "custom") == 0) {
        rc = rp_mode_custom(rk, &o);
    } else if (strcmp(o.mode, "raw") == 0) {
        rc = rp_mode_raw(rk, &o);
    } else {
        rc = rp_mode_from(rk, &o);
    }

    if (rp_csv != NULL && fclose(rp_csv) != 0) {
        fprintf(stderr, "rp-produce: cannot write \"%s\"\n", o.csv_out);
        rc = -1;
    }

    if (rd_kafka_flush(rk, (int) o.flush_timeout * 1000)
        != RD_KAFKA_RESP_ERR_NO_ERROR)
    {
        fprintf(stderr, "rp-produce: %d message(s) not delivered after %llds\n",
                rd_kafka_outq_len(rk), (long long) o.flush_timeout);
        rc = -1;
    }

    if (!o.quiet) {
        fprintf(stderr, "rp-produce: %llu delivered, %llu failed in %.2fs; "
                "delivery latency p50/p99 %lld/%lld ms\n",
                (unsigned long long) rp_delivered,
                (unsigned long long) rp_failed, rp_clock_sec() - t0,
                (long long) rp_hist_quantile(&rp_dr_lat, 0.5),
                (long long) rp_hist_quantile(&rp_dr_lat, 0.99));
    }

    if (rp_failed > 0) {
        rc = -1;
    }

    rd_kafka_destroy(rk);
    return rc == 0 ? 0 : 1;
}
