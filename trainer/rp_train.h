/*
 * rp_train.h: shared declarations of rp-train's subcommands.
 *
 * The events of a file are loaded into compact structs with users,
 * products and (user, product) pairs interned into dense indices; samples
 * at a cutoff are built from them with the core library's state rules
 * (rp_state_apply, rp_features_compute), so the trainer never computes a
 * feature itself.
 */

#ifndef RP_TRAIN_H
#define RP_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rp_event.h"
#include "rp_features.h"


#define RP_DAY  86400


/* Global flags set by main(). */
extern int  rp_quiet;
extern int  rp_verbose;

void rp_log(const char *fmt, ...);           /* progress, silenced by -q */
void rp_err(const char *fmt, ...);           /* always printed, "rp-train: " */
void *rp_xalloc(size_t n);                   /* calloc or die */
void *rp_xrealloc(void *p, size_t n);
double rp_now_sec(void);                     /* monotonic seconds */
int rp_parse_i64(const char *s, int64_t min, int64_t max, int64_t *out);
int rp_parse_time_arg(const char *s, int64_t *out);

/*
 * The time window options of features, eval and fit: c is 'c' (--cutoff),
 * 'H' (--horizon, days) or 'R' (--retention, seconds; 0 = the store
 * forgets nobody). Returns 0 when parsed, 2 (the exit status) after
 * reporting a bad value as "CMD: bad --...".
 */
int rp_window_opt(const char *cmd, int c, const char *arg, int64_t *cutoff,
    int *have_cutoff, int64_t *horizon, int64_t *retention);
#define RP_RETENTION_HELP                                                    \
        "  --retention S: features as the store holds them when it forgets\n" \
        "  a user S seconds after the user's last event (default %d;\n"       \
        "  0: never)\n"
int rp_nthreads(void);

/*
 * The options every subcommand takes, at the end of its getopt_long table
 * (with "qvh" among its short options): -q/--quiet, -v/--verbose,
 * -h/--help.
 */
#define RP_OPTS_COMMON                                                      \
        { "quiet", no_argument, NULL, 'q' },                                \
        { "verbose", no_argument, NULL, 'v' },                              \
        { "help", no_argument, NULL, 'h' },                                 \
        { NULL, 0, NULL, 0 }

/*
 * The default branch of a subcommand's option switch: -q and -v set the
 * global flags and return -1 (go on); -h prints the usage on stdout and
 * returns 0; anything else prints it on stderr and returns 2. 0 and 2 are
 * the subcommand's exit status.
 */
int rp_opt_common(int c, void (*usage)(FILE *f));


/* One event, compact. */
typedef struct {
    int64_t   ts;
    int64_t   cents;
    uint32_t  user;
    uint32_t  pair;
    uint8_t   type;
} rp_ev_t;

/* String interning: id -> dense index. */
typedef struct {
    uint32_t  *slots;      /* index + 1, 0 = empty */
    size_t     mask;
    char     **names;
    uint32_t  *lens;
    uint32_t   n;
    uint32_t   cap;
} rp_intern_t;

typedef struct {
    rp_ev_t      *ev;
    size_t        n;
    size_t        cap;
    rp_intern_t   users;
    rp_intern_t   products;

    /* pairs: key (user << 32 | product) -> index */
    uint64_t     *pair_slots;   /* key + 1 encoded below; 0 = empty */
    uint32_t     *pair_idx;
    size_t        pair_mask;
    uint32_t     *pair_user;
    uint32_t     *pair_product;
    uint32_t      n_pairs;
    uint32_t      pair_cap;

    int64_t       first_ts;
    int64_t       last_ts;
    /* event ids seen: 64-bit hashes, open addressing, 0 = empty */
    uint64_t     *seen;
    size_t        seen_mask;
    size_t        dups;         /* repeated event ids, skipped as the store does */

    size_t        lines;        /* data lines read */
    size_t        bad;          /* rows rejected */
} rp_dataset_t;

/* Reads an events CSV. strict: the first bad row is fatal. 0 / -1. */
int rp_dataset_load(rp_dataset_t *ds, const char *path, int strict);
void rp_dataset_free(rp_dataset_t *ds);

/* Per-line CSV reader shared by load and materialize. */
typedef int (*rp_csv_row_pt)(void *ctx, const rp_event_t *ev, size_t line);
int rp_csv_each(const char *path, int strict, rp_csv_row_pt cb, void *ctx,
    size_t *lines, size_t *bad);

/* Samples at a cutoff: rows of RP_NFEATURES floats plus a label. */
typedef struct {
    float     *x;         /* n x RP_NFEATURES */
    float     *y;
    uint32_t  *pair;      /* pair index of each row */
    size_t     n;
    size_t     cap;
    size_t     pos;
} rp_samples_t;

/*
 * Appends the samples at cutoff to s (no leakage: only events <= cutoff):
 * every pair the user bought at or before the cutoff, with its features as
 * the store holds them under the retention (rp_state_at).
 */
int rp_samples_build(const rp_dataset_t *ds, int64_t cutoff, int64_t horizon,
    int64_t retention, rp_samples_t *s);
void rp_samples_free(rp_samples_t *s);

/*
 * The state of every user and pair after the events <= cutoff, in file
 * order (malloc'ed arrays indexed like ds), as the store holds it when its
 * keys expire `retention` seconds after a user's last event (0: never): a
 * user whose events pause longer than that starts again from an empty
 * state, and a user whose last event is older than cutoff - retention is
 * unknown (all zero, event_count 0). label (optional): per pair,
 * RP_LABEL_POS when bought in (cutoff, cutoff + horizon], RP_LABEL_BOUGHT
 * when bought at or before the cutoff (whatever the store forgot).
 */
#define RP_LABEL_POS     1
#define RP_LABEL_BOUGHT  2
void rp_state_at(const rp_dataset_t *ds, int64_t cutoff, int64_t horizon,
    int64_t retention, rp_user_state_t **users, rp_pair_state_t **pairs,
    uint8_t **label);


/* Metrics of probabilities p against labels y. */
typedef struct {
    double  auc;
    double  pr_auc;
    double  logloss;
    double  accuracy;
    double  brier;
    double  positive_rate;
    size_t  rows;
} rp_metrics_t;

void rp_metrics_compute(const double *p, const float *y, size_t n,
    rp_metrics_t *m);

/* The metrics as JSON members (no braces), null for NaN. */
void rp_metrics_json(FILE *f, const rp_metrics_t *m);


/* Subcommands. */
int rp_cmd_generate(int argc, char **argv);
int rp_cmd_features(int argc, char **argv);
int rp_cmd_fit(int argc, char **argv);
int rp_cmd_eval(int argc, char **argv);
int rp_cmd_inspect(int argc, char **argv);
int rp_cmd_materialize(int argc, char **argv);
int rp_cmd_verify(int argc, char **argv);

#endif /* RP_TRAIN_H */
