/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
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
#include "rp_model.h"
#include "rp_tool.h"


#define RP_DAY  86400


/* Global flags set by main(). */
extern int  rp_quiet;
extern int  rp_verbose;

/* --max-future of the commands that read events: rows stamped more than
 * this many seconds after the trainer's clock are bad rows
 * (rp_event_time_check); RP_MAX_FUTURE_DEF by default. */
extern int64_t  rp_max_future;

void rp_log(const char *fmt, ...);           /* progress, silenced by -q */
void rp_err(const char *fmt, ...);           /* always printed, "rp-train: " */
void *rp_xalloc(size_t n);                   /* calloc or die */
void *rp_xrealloc(void *p, size_t n);
int rp_parse_time_arg(const char *s, int64_t *out);

/*
 * The command line of the subcommand that runs, parsed by rp_getopt
 * (lib/rp_tool.h); the values' messages go into rp_opt.err.
 */
extern rp_opt_t  rp_opt;

/* Prints rp_opt.err as "rp-train: CMD: ..."; returns 2, the exit status. */
int rp_opt_refuse(void);

/* A time value (rp_time_parse); 0 / -1 with rp_opt.err. */
int rp_opt_time(const char *arg, int64_t *out);

/*
 * The time window options of features, eval and fit: c is 'c' (--cutoff),
 * 'H' (--horizon, days) or 'R' (--retention, seconds; 0 = the store
 * forgets nobody). Returns 0 when parsed, 2 (the exit status) after
 * reporting a bad value (rp_opt_refuse).
 */
int rp_window_opt(int c, const char *arg, int64_t *cutoff, int *have_cutoff,
    int64_t *horizon, int64_t *retention);
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
/* The option of the commands that read events, before RP_OPTS_COMMON;
 * rp_opt_common handles it. */
#define RP_OPT_MAX_FUTURE                                                   \
        { "max-future", required_argument, NULL, 'F' },

#define RP_OPTS_COMMON                                                      \
        { "quiet", no_argument, NULL, 'q' },                                \
        { "verbose", no_argument, NULL, 'v' },                              \
        RP_OPT_HELP,                                                        \
        { NULL, 0, NULL, 0 }

/*
 * The default branch of a subcommand's option switch: -q and -v set the
 * global flags and return -1 (go on); -h prints the usage on stdout and
 * returns 0; anything else (rp_getopt's '?') prints rp_opt.err and the
 * usage on stderr and returns 2. 0 and 2 are
 * the subcommand's exit status.
 */
int rp_opt_common(int c, void (*usage)(FILE *f));


/*
 * The event ids of a file, for its one rule on repeats: the first line
 * of an id counts, a later one is skipped (features and materialize
 * alike, so the store built from a file holds what the trainer computes).
 * 64-bit hashes, open addressing (a false repeat needs a collision).
 */
typedef struct {
    uint64_t  *slot;            /* 0 = empty */
    size_t     mask;
    size_t     n;
} rp_idset_t;

/* 1 when id was added before, else adds it and returns 0. */
int rp_idset_add(rp_idset_t *s, const char *id, size_t len);
void rp_idset_free(rp_idset_t *s);

/* One event, compact. */
typedef struct {
    int64_t   ts;
    int64_t   cents;
    uint32_t  user;
    uint32_t  pair;
    uint8_t   type;
} rp_interned_event_t;

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
    rp_interned_event_t      *ev;
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
    rp_idset_t    seen;         /* event ids read */
    size_t        dups;         /* repeated event ids, skipped */

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
 * the store holds them under the retention (rp_state_at). prior: the prior
 * row of each product (indexed like ds->products), from rp_priors_rows()
 * or rp_model_prior_rows(); NULL: the prior features are NaN.
 */
int rp_samples_build(const rp_dataset_t *ds, int64_t cutoff, int64_t horizon,
    int64_t retention, const float *const *prior, rp_samples_t *s);
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


/*
 * Product priors at a cutoff T, from the purchases at or before T only
 * (rp_priors.c). Per product bought by then, in this order:
 *   prod_buyers        distinct buyers
 *   prod_buyers_30d    distinct buyers in (T - 30 d, T]
 *   prod_rebuy_rate    among its (user, product) pairs bought at or before
 *                      T - 30 d, the share bought again in (T - 30 d, T],
 *                      smoothed toward the global share g with m = 20
 *                      pseudo-pairs: (rebought + 20 g) / (pairs + 20)
 *   prod_repeat_share  share of its buyers who bought it on 2+ distinct days
 *   prod_med_interval  median over those repeat buyers of their mean gap
 *                      between purchase days, in days; NaN without any
 * Days are day numbers (UTC). The default row, for a product not bought
 * by T, is what the data says of such a product: 0 buyers, 0 recent
 * buyers, and the global values of the other three (g; the share over all
 * pairs; the median over all repeat pairs).
 */
#define RP_PRIOR_WINDOW  (30 * RP_DAY)
#define RP_PRIOR_M       20.0

typedef struct {
    uint32_t   n_products;    /* ds->products.n */
    uint32_t   n_known;       /* products bought at or before the cutoff */
    float     *rows;          /* (n_products + 1) x RP_MODEL_PRIOR_N: row 0
                                 the default, row p + 1 product p (the
                                 default row's values when not known) */
    uint8_t   *known;         /* n_products */
} rp_priors_t;

void rp_priors_compute(const rp_dataset_t *ds, int64_t cutoff,
    rp_priors_t *pr);
void rp_priors_free(rp_priors_t *pr);

/* Row of product p (a dataset product index). */
#define rp_priors_row(pr, p)  ((pr)->rows + ((size_t) (p) + 1) * RP_MODEL_PRIOR_N)

/*
 * The table a model file carries (spec's prior fields, malloc'ed): the
 * products bought by the cutoff, their rows, the default row first; ids
 * point into ds. rp_priors_spec_free frees them.
 */
void rp_priors_spec(const rp_dataset_t *ds, const rp_priors_t *pr,
    rp_model_spec_t *spec);
void rp_priors_spec_free(rp_model_spec_t *spec);

/* Each product's row, for rp_samples_build (malloc'ed array). */
const float **rp_priors_rows(const rp_dataset_t *ds, const rp_priors_t *pr);

/* Each product's row in a model file's table (the default row for a
 * product it does not hold), for rp_samples_build (malloc'ed array). */
const float **rp_model_prior_rows(const rp_dataset_t *ds, const rp_model_t *m);

/* Whether a model's features include a prior feature. */
int rp_model_uses_priors(const rp_model_t *m);


/*
 * Metrics of probabilities p against labels y. The reliability table has
 * RP_REL_BINS equal-width bins of the predicted probability ([k/10,
 * (k+1)/10), the last one closed); the expected calibration error is the
 * row-weighted mean of |mean predicted - observed rate| over them. The
 * bands are rp_confidence's: low < RP_CONF_MEDIUM <= medium < RP_CONF_HIGH
 * <= high.
 */
#define RP_REL_BINS  10
#define RP_BANDS     3

typedef struct {
    double  lo;
    double  hi;
    size_t  count;
    double  mean_predicted;   /* NaN when empty */
    double  observed_rate;    /* NaN when empty */
} rp_bin_t;

typedef struct {
    double    auc;
    double    pr_auc;
    double    logloss;
    double    accuracy;
    double    brier;
    double    ece;
    double    positive_rate;
    double    mean_predicted;
    size_t    rows;
    rp_bin_t  rel[RP_REL_BINS];
    rp_bin_t  band[RP_BANDS];   /* low, medium, high */
} rp_metrics_t;

extern const char *const rp_band_names[RP_BANDS];

void rp_metrics_compute(const double *p, const float *y, size_t n,
    rp_metrics_t *m);

/*
 * Platt scaling: the a, b of p = 1 / (1 + exp(-(a x + b))) that minimize
 * the log loss of margins x against labels y (Newton's method). 0, or -1
 * when the fit is undefined (one class, constant margins).
 */
int rp_platt_fit(const double *x, const float *y, size_t n, double *a,
    double *b);

/* The metrics as a JSON object (null for NaN); NULL when out of memory. */
struct cJSON;
struct cJSON *rp_metrics_to_json(const rp_metrics_t *m);

/*
 * The ROC curve, precision-recall curve and reliability diagram of p
 * against y as PNG files in dir (created if needed), drawn by gnuplot;
 * title names the model and window. 0 / -1 after reporting why.
 */
int rp_plot(const char *dir, const double *p, const float *y, size_t n,
    const rp_metrics_t *m, const char *title);


/* Subcommands. */
int rp_cmd_generate(int argc, char **argv);
int rp_cmd_features(int argc, char **argv);
int rp_cmd_fit(int argc, char **argv);
int rp_cmd_eval(int argc, char **argv);
int rp_cmd_inspect(int argc, char **argv);
int rp_cmd_materialize(int argc, char **argv);
int rp_cmd_verify(int argc, char **argv);
int rp_cmd_import(int argc, char **argv);

#endif /* RP_TRAIN_H */
