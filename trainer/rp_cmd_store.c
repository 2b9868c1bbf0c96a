/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_cmd_store.c: "rp-train materialize" (replay an events file into the
 * Redis feature store through rp_apply, the pipe rp-consumer uses too)
 * and "rp-train verify" (read the store back with the module's HMGET and
 * compare it with the state and the features computed offline from the
 * same file).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "rp_train.h"
#include "rp_apply.h"
#include "rp_store.h"
#include "rp_cluster.h"
#include "rp_pipe.h"


#define RP_MISMATCH_SHOWN  10
#define RP_CLUSTER_TIMEOUT_MS  10000    /* a connect, a reply */

typedef struct {
    const char  *redis;
    const char  *cluster;       /* --redis-cluster seeds, or NULL */
    int64_t      db;
    int64_t      retention;
    int64_t      batch;
    int          strict;
} rp_store_opts_t;

typedef struct {
    rp_apply_t  *a;
    uint64_t     n;
    double       t0;
    rp_idset_t   ids;           /* the file's event ids */
    size_t       dups;          /* repeated ids, skipped */
    char         err[RP_ERR_MAX];
} rp_mat_ctx_t;


static redisContext *rp_store_connect(const char *addr, int64_t db);
static int rp_store_opts(int argc, char **argv, rp_store_opts_t *o,
    const char *cmd, void (*usage)(FILE *f));
static void rp_materialize_usage(FILE *f);
static void rp_verify_usage(FILE *f);
static int rp_mat_row(void *ctx, const rp_event_t *ev, size_t line);
static int rp_verify_pair(const rp_dataset_t *ds, uint32_t k,
    const rp_user_state_t *u, const rp_pair_state_t *p, redisReply *r,
    int64_t now, uint64_t *bad);


static redisContext *
rp_store_connect(const char *addr, int64_t db)
{
    char            host[256];
    int             port;
    redisReply     *r;
    redisContext   *c;
    struct timeval  tv;

    if (rp_parse_hostport(addr, host, sizeof(host), &port) != 0) {
        rp_err("bad --redis \"%s\", expected HOST:PORT", addr);
        return NULL;
    }

    tv.tv_sec = 5;
    tv.tv_usec = 0;
    c = redisConnectWithTimeout(host, (int) port, tv);
    if (c == NULL || c->err) {
        rp_err("connect to redis %s failed: %s", addr,
               c ? c->errstr : "out of memory");
        if (c != NULL) {
            redisFree(c);
        }
        return NULL;
    }

    tv.tv_sec = 60;
    redisSetTimeout(c, tv);

    if (db != 0) {
        r = redisCommand(c, "SELECT %lld", (long long) db);
        if (r == NULL || r->type == REDIS_REPLY_ERROR) {
            rp_err("redis SELECT %lld failed: %s", (long long) db,
                   r ? r->str : c->errstr);
            if (r != NULL) {
                freeReplyObject(r);
            }
            redisFree(c);
            return NULL;
        }
        freeReplyObject(r);
    }

    return c;
}


/* The cluster of --redis-cluster, its slot map read. NULL, shown. */
static rp_cluster_t *
rp_store_cluster(const char *seeds, const char *cmd)
{
    char           err[256];
    rp_cluster_t  *cl;

    cl = rp_cluster_create(seeds, RP_CLUSTER_TIMEOUT_MS, err, sizeof(err));
    if (cl == NULL) {
        rp_err("%s: --redis-cluster: %s", cmd, err);
        return NULL;
    }

    if (rp_cluster_refresh(cl) != 0) {
        rp_err("%s: redis cluster %s: %s", cmd, seeds, cl->err);
        rp_cluster_free(cl);
        return NULL;
    }

    return cl;
}


static void
rp_store_close(redisContext *c, rp_cluster_t *cl)
{
    if (c != NULL) {
        redisFree(c);
    }
    rp_cluster_free(cl);
}


static int
rp_store_opts(int argc, char **argv, rp_store_opts_t *o, const char *cmd,
    void (*usage)(FILE *f))
{
    int   c, rc, port;
    char  host[256];

    static const struct option  opts[] = {
        { "redis", required_argument, NULL, 'r' },
        { "redis-cluster", required_argument, NULL, 'C' },
        { "db", required_argument, NULL, 'd' },
        { "retention", required_argument, NULL, 't' },
        { "batch", required_argument, NULL, 'b' },
        { "strict", no_argument, NULL, 'S' },
        RP_OPT_MAX_FUTURE
        RP_OPTS_COMMON
    };

    memset(o, 0, sizeof(*o));
    o->retention = RP_STORE_RETENTION_DEF;
    o->batch = 1000;

    while ((c = rp_getopt(&rp_opt, argc, argv, "qvh", opts)) != -1) {
        switch (c) {
        case 'r':
            /* checked here for the usage error (exit 2); kept as given */
            if (rp_opt_hostport(&rp_opt, optarg, host, sizeof(host), &port)
                != 0)
            {
                return rp_opt_refuse();
            }
            o->redis = optarg;
            break;
        case 'C':
            o->cluster = optarg;
            break;
        case 'd':
            if (rp_opt_i64(&rp_opt, optarg, 0, 1000000, &o->db) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 't':
            if (rp_opt_i64(&rp_opt, optarg, 0, INT32_MAX, &o->retention) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'b':
            if (rp_opt_i64(&rp_opt, optarg, 1, 1000000, &o->batch) != 0) {
                return rp_opt_refuse();
            }
            break;
        case 'S':
            o->strict = 1;
            break;
        default:
            /* --help: 1, so that the caller exits 0 */
            if ((rc = rp_opt_common(c, usage)) >= 0) {
                return rc == 0 ? 1 : rc;
            }
        }
    }

    if (o->redis != NULL && o->cluster != NULL) {
        rp_err("%s: --redis and --redis-cluster exclude each other (one "
               "Redis, or the seed nodes of a cluster)", cmd);
        return 2;
    }

    if (o->cluster != NULL && o->db != 0) {
        rp_err("%s: --db %lld: a Redis Cluster has only database 0", cmd,
               (long long) o->db);
        return 2;
    }

    if (optind != argc - 1 || (o->redis == NULL && o->cluster == NULL)) {
        rp_err("%s: %s", cmd, optind == argc - 1
               ? "--redis HOST:PORT or --redis-cluster HOST:PORT[,...] is "
                 "required" : "one EVENTS.csv expected");
        usage(stderr);
        return 2;
    }

    return 0;
}


static void
rp_materialize_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train materialize EVENTS.csv --redis HOST:PORT [--db N]\n"
        "       rp-train materialize EVENTS.csv --redis-cluster HOST:PORT[,...]\n"
        "         [--retention SECONDS] [--batch N] [--strict] [--max-future S]\n"
        "         [-q]\n"
        "  replays the events into the feature store with the consumer's\n"
        "  update script (EVALSHA, pipelined in batches, default 1000);\n"
        "  the store remembers each user's last line of this file (known\n"
        "  by its content), so a second run changes nothing; a repeated\n"
        "  event id is skipped, as the trainer does. Retention default\n"
        "  %d s (0 = keys never expire). --redis-cluster: the seed nodes\n"
        "  of a Redis Cluster (each user's key goes to its slot's primary).\n",
        RP_STORE_RETENTION_DEF);
}


/*
 * The replay guard's name of an events file: its content (FNV-1a 64 of
 * every byte) and size, not its path, so that the same file materialized
 * twice, from anywhere, is one source (its lines are the positions), and
 * two different files are two. 0, or -1 with the error shown.
 */
static int
rp_file_source(const char *path, char *name, size_t size)
{
    FILE           *f;
    size_t          n, i;
    uint64_t        h = 0xcbf29ce484222325ULL, len = 0;
    unsigned char   buf[65536];

    f = fopen(path, "r");
    if (f == NULL) {
        rp_err("materialize: %s: %s", path, strerror(errno));
        return -1;
    }

    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        for (i = 0; i < n; i++) {
            h ^= buf[i];
            h *= 0x100000001b3ULL;
        }
        len += n;
    }

    if (ferror(f)) {
        rp_err("materialize: %s: read error", path);
        fclose(f);
        return -1;
    }
    fclose(f);

    snprintf(name, size, "file:%016llx:%llu", (unsigned long long) h,
             (unsigned long long) len);
    return 0;
}


static int
rp_mat_row(void *ctx, const rp_event_t *ev, size_t line)
{
    double         dt;
    rp_mat_ctx_t  *m = ctx;

    /* the trainer's rule on a repeated id: the first line counts */
    if (rp_idset_add(&m->ids, ev->event_id, ev->event_id_len)) {
        if (m->dups++ < 5) {
            rp_err("materialize: line %zu: event id \"%s\" seen before "
                   "(skipped, as the trainer does)", line, ev->event_id);
        }
        return 0;
    }

    if (rp_apply_event(m->a, ev, (int64_t) line, m->err, sizeof(m->err))
        != 0)
    {
        rp_err("materialize: line %zu: %s", line, m->err);
        return -1;
    }

    if (++m->n % 500000 == 0) {
        dt = rp_clock_sec() - m->t0;
        rp_log("materialize: %llu events (%.0f/s)", (unsigned long long) m->n,
               dt > 0 ? m->n / dt : 0.0);
    }

    return 0;
}


int
rp_cmd_materialize(int argc, char **argv)
{
    int               rc;
    size_t            lines, bad;
    char              source[64];
    rp_mat_ctx_t      m;
    redisContext     *c;
    rp_cluster_t     *cl;
    rp_store_opts_t   o;
    rp_apply_stats_t  st;

    rc = rp_store_opts(argc, argv, &o, "materialize", rp_materialize_usage);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }

    c = NULL;
    cl = NULL;
    if (o.cluster != NULL) {
        cl = rp_store_cluster(o.cluster, "materialize");
        if (cl == NULL) {
            return 1;
        }
    } else if ((c = rp_store_connect(o.redis, o.db)) == NULL) {
        return 1;
    }

    memset(&m, 0, sizeof(m));
    m.t0 = rp_clock_sec();
    if (rp_file_source(argv[optind], source, sizeof(source)) != 0) {
        rp_store_close(c, cl);
        return 1;
    }

    m.a = cl != NULL
          ? rp_apply_create_cluster(cl, o.retention, (size_t) o.batch, source,
                                    m.err, sizeof(m.err))
          : rp_apply_create(c, o.retention, (size_t) o.batch, source, m.err,
                            sizeof(m.err));
    if (m.a == NULL) {
        rp_err("materialize: %s", m.err);
        rp_store_close(c, cl);
        return 1;
    }

    rc = rp_csv_each(argv[optind], o.strict, rp_mat_row, &m, &lines, &bad);

    if (rc == 0 && rp_apply_flush(m.a, m.err, sizeof(m.err)) != 0) {
        rp_err("materialize: %s", m.err);
        rc = -1;
    }

    rp_apply_stats(m.a, &st);

    if (!rp_quiet || rc != 0) {
        fprintf(stderr, "materialize: %llu events sent in %.2f s: applied "
                "%llu, replays %llu, rejected %llu, bad rows %zu, repeated "
                "ids %zu (commands "
                "resent as EVAL after NOSCRIPT: %llu, batches sent again "
                "after a transient error: %llu, redirects followed: %llu)"
                "%s\n",
                (unsigned long long) m.n, rp_clock_sec() - m.t0,
                (unsigned long long) st.applied,
                (unsigned long long) st.replays,
                (unsigned long long) st.rejected, bad, m.dups,
                (unsigned long long) st.noscript,
                (unsigned long long) st.retries,
                (unsigned long long) st.redirects,
                rc != 0 ? " (stopped by an error)" : "");
    }

    rp_apply_destroy(m.a);
    rp_idset_free(&m.ids);
    rp_store_close(c, cl);

    return rc == 0 ? 0 : 1;
}


static void
rp_verify_usage(FILE *f)
{
    fprintf(f,
        "usage: rp-train verify EVENTS.csv --redis HOST:PORT [--db N]"
        " [--batch N] [--max-future S] [-q]\n"
        "       rp-train verify EVENTS.csv --redis-cluster HOST:PORT[,...]"
        " [--batch N] [-q]\n"
        "  reads every (user, product) of the file back from the store\n"
        "  (HMGET, as the module does) and compares the raw state and the\n"
        "  %d features with those computed offline from the whole file;\n"
        "  exit 0 when all agree, 1 otherwise\n", RP_NFEATURES);
}


static int
rp_verify_pair(const rp_dataset_t *ds, uint32_t k, const rp_user_state_t *u,
    const rp_pair_state_t *p, redisReply *r, int64_t now, uint64_t *bad)
{
    int              found, i, diff;
    size_t           j;
    float            fa[RP_NFEATURES], fb[RP_NFEATURES];
    rp_store_val_t   vals[RP_STORE_READ_FIELDS];
    rp_user_state_t  su;
    rp_pair_state_t  sp;
    char             err[RP_ERR_MAX];
    const char      *user, *product;

    user = ds->users.names[ds->pair_user[k]];
    product = ds->products.names[ds->pair_product[k]];

    if (r->type != REDIS_REPLY_ARRAY || r->elements != RP_STORE_READ_FIELDS) {
        rp_err("verify: %s/%s: unexpected HMGET reply", user, product);
        return -1;
    }

    for (j = 0; j < r->elements; j++) {
        vals[j].str = r->element[j]->type == REDIS_REPLY_STRING
                      ? r->element[j]->str : NULL;
        vals[j].len = vals[j].str ? r->element[j]->len : 0;
    }

    if (rp_store_parse_read(vals, r->elements, &su, &sp, &found, err,
                            sizeof(err)) != 0)
    {
        rp_err("verify: %s/%s: %s", user, product, err);
        (*bad)++;
        return 0;
    }

    diff = !found;

#define rp_cmp(field, a, b)                                                  \
    if ((a) != (b)) {                                                        \
        if (*bad < RP_MISMATCH_SHOWN) {                                      \
            rp_err("verify: %s/%s: %s: store %lld, offline %lld", user,      \
                   product, field, (long long) (a), (long long) (b));        \
        }                                                                    \
        diff = 1;                                                            \
    }

    if (found) {
        rp_cmp("n", su.event_count, u->event_count);
        rp_cmp("s", su.amount_sum, u->amount_sum);
        rp_cmp("lo", su.amount_min, u->amount_min);
        rp_cmp("hi", su.amount_max, u->amount_max);
        rp_cmp("pn", su.purchase_count, u->purchase_count);
        rp_cmp("ps", su.purchase_sum, u->purchase_sum);
        rp_cmp("vn", su.view_count, u->view_count);
        rp_cmp("rn", su.repeat_products, u->repeat_products);
        rp_cmp("lp", su.last_purchase, u->last_purchase);
        rp_cmp("fd", su.first_day, u->first_day);
        rp_cmp("nd", su.ndays, u->ndays);
        rp_cmp("np", su.nproducts, u->nproducts);
        rp_cmp("p:views", sp.views, p->views);
        rp_cmp("p:purchases", sp.purchases, p->purchases);
        rp_cmp("p:first_day", sp.first_day, p->first_day);
        rp_cmp("p:last_day", sp.last_day, p->last_day);
        rp_cmp("p:ndays", sp.ndays, p->ndays);
        rp_cmp("p:amount", sp.amount, p->amount);

    } else if (*bad < RP_MISMATCH_SHOWN) {
        rp_err("verify: %s: not in the store", user);
    }

#undef rp_cmp

    if (!diff) {
        rp_features_compute(&su, &sp, NULL, now, fa);
        rp_features_compute(u, p, NULL, now, fb);
        for (i = 0; i < RP_NFEATURES; i++) {
            if (memcmp(&fa[i], &fb[i], sizeof(float)) != 0
                && !(fa[i] != fa[i] && fb[i] != fb[i]))
            {
                if (*bad < RP_MISMATCH_SHOWN) {
                    rp_err("verify: %s/%s: feature %s: store %.9g, "
                           "offline %.9g", user, product, rp_features[i].name,
                           fa[i], fb[i]);
                }
                diff = 1;
            }
        }
    }

    *bad += diff;
    return 0;
}


/*
 * The HMGETs of pairs start..end-1 through the cluster: each on its
 * user's node, every node's written before any reply is read; a reply
 * that redirects is asked again with rp_cluster_command. r[k - start]
 * gets each reply. 0, or -1 shown (the replies read are in r).
 */
static int
rp_verify_cluster(rp_cluster_t *cl, const rp_dataset_t *ds, uint32_t start,
    uint32_t end, redisReply **r, int16_t *node)
{
    int              to, rc = 0;
    size_t           i, klen;
    uint32_t         k;
    char             key[RP_STORE_KEY_MAX + 8];
    redisContext    *c;
    rp_store_cmd_t   cmd;
    const char      *user, *product;

    memset(r, 0, (end - start) * sizeof(redisReply *));

    for (k = start; k < end; k++) {
        user = ds->users.names[ds->pair_user[k]];
        product = ds->products.names[ds->pair_product[k]];
        klen = rp_store_user_key(user, strlen(user), key, sizeof(key));
        node[k - start] = (int16_t) rp_cluster_slot_node(cl,
                                          rp_store_key_slot(key, klen));

        if (rp_store_read_cmd(&cmd, user, strlen(user), product,
                              strlen(product)) != 0
            || (c = rp_cluster_conn(cl, node[k - start])) == NULL
            || redisAppendCommandArgv(c, cmd.argc, cmd.argv, cmd.argvlen)
               != REDIS_OK)
        {
            rp_err("verify: cannot send HMGET for %s/%s: %s", user, product,
                   cl->err);
            return -1;
        }
    }

    for (i = 0; i < cl->nnodes; i++) {
        for (k = start; k < end; k++) {
            if (node[k - start] != (int) i) {
                continue;
            }
            if (redisGetReply(cl->node[i].c, (void **) &r[k - start])
                != REDIS_OK || r[k - start] == NULL)
            {
                rp_err("verify: redis %s:%d: %s", cl->node[i].host,
                       cl->node[i].port, cl->node[i].c->errstr);
                r[k - start] = NULL;
                return -1;
            }
        }
    }

    /* moved while we read (or a failover): that one again, followed */
    for (k = start; rc == 0 && k < end; k++) {
        if (r[k - start]->type != REDIS_REPLY_ERROR
            || (!rp_cluster_redirect(cl, r[k - start]->str,
                                     r[k - start]->len, &to)
                && !rp_pipe_transient(r[k - start]->str, r[k - start]->len)))
        {
            continue;
        }
        freeReplyObject(r[k - start]);

        user = ds->users.names[ds->pair_user[k]];
        product = ds->products.names[ds->pair_product[k]];
        klen = rp_store_user_key(user, strlen(user), key, sizeof(key));
        rp_store_read_cmd(&cmd, user, strlen(user), product, strlen(product));
        r[k - start] = rp_cluster_command(cl, key, klen, cmd.argc, cmd.argv,
                                          cmd.argvlen);
        if (r[k - start] == NULL) {
            rp_err("verify: redis cluster: %s", cl->err);
            rc = -1;
        }
    }

    if (cl->stale) {
        rp_cluster_refresh(cl);
    }
    return rc;
}


int
rp_cmd_verify(int argc, char **argv)
{
    int               rc;
    void             *rp;
    uint32_t          k, start, end;
    uint64_t          bad;
    rp_dataset_t      ds;
    redisContext     *c;
    rp_cluster_t     *cl;
    redisReply      **rs;
    int16_t          *rn;
    rp_store_cmd_t    cmd;
    rp_store_opts_t   o;
    rp_pair_state_t  *pairs;
    rp_user_state_t  *users;
    const char       *user, *product;

    rc = rp_store_opts(argc, argv, &o, "verify", rp_verify_usage);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }

    c = NULL;
    cl = NULL;
    if (o.cluster != NULL) {
        cl = rp_store_cluster(o.cluster, "verify");
        if (cl == NULL) {
            return 1;
        }
    } else if ((c = rp_store_connect(o.redis, o.db)) == NULL) {
        return 1;
    }

    rs = calloc((size_t) o.batch, sizeof(redisReply *));
    rn = calloc((size_t) o.batch, sizeof(int16_t));
    if (rs == NULL || rn == NULL) {
        rp_err("verify: out of memory");
        free(rs);
        free(rn);
        rp_store_close(c, cl);
        return 1;
    }

    if (rp_dataset_load(&ds, argv[optind], o.strict) != 0) {
        free(rs);
        free(rn);
        rp_store_close(c, cl);
        return 1;
    }

    /* materialize replays every event: no retention in between */
    rp_state_at(&ds, INT64_MAX, 0, 0, &users, &pairs, NULL);

    bad = 0;
    rc = 0;

    for (start = 0; rc == 0 && start < ds.n_pairs; start = end) {
        end = start + (uint32_t) o.batch;
        end = end > ds.n_pairs ? ds.n_pairs : end;

        if (cl != NULL) {
            rc = rp_verify_cluster(cl, &ds, start, end, rs, rn);
            for (k = start; k < end; k++) {
                if (rs[k - start] == NULL) {
                    continue;
                }
                if (rc == 0) {
                    rc = rp_verify_pair(&ds, k, &users[ds.pair_user[k]],
                                        &pairs[k], rs[k - start], ds.last_ts,
                                        &bad);
                }
                freeReplyObject(rs[k - start]);
            }
            continue;
        }

        for (k = start; k < end; k++) {
            user = ds.users.names[ds.pair_user[k]];
            product = ds.products.names[ds.pair_product[k]];

            if (rp_store_read_cmd(&cmd, user, strlen(user), product,
                                  strlen(product)) != 0
                || redisAppendCommandArgv(c, cmd.argc, cmd.argv, cmd.argvlen)
                   != REDIS_OK)
            {
                rp_err("verify: cannot build or send HMGET for %s/%s",
                       user, product);
                rc = -1;
                break;
            }
        }

        for (k = start; rc == 0 && k < end; k++) {
            if (redisGetReply(c, &rp) != REDIS_OK || rp == NULL) {
                rp_err("verify: redis: %s", c->errstr);
                rc = -1;
                break;
            }

            rc = rp_verify_pair(&ds, k, &users[ds.pair_user[k]], &pairs[k],
                                rp, ds.last_ts, &bad);
            freeReplyObject(rp);
        }
    }

    if (rc == 0) {
        if (bad == 0) {
            rp_log("verify: %u pairs of %u users: store equals offline state",
                   ds.n_pairs, ds.users.n);
        } else {
            rp_err("verify: %llu of %u pairs differ from the offline state",
                   (unsigned long long) bad, ds.n_pairs);
        }
    }

    free(users);
    free(pairs);
    free(rs);
    free(rn);
    rp_dataset_free(&ds);
    rp_store_close(c, cl);

    return (rc == 0 && bad == 0) ? 0 : 1;
}
