/*
 * rp_features.h: the one definition of the 14 features.
 *
 * The feature store keeps raw state (integer counters, sums in cents, the
 * last purchase time). Every update is commutative (counts, sums, min, max),
 * so the state after a set of events does not depend on their order, which
 * is what lets a consumer group over several partitions, a replay, and the
 * offline trainer all reach the same state. rp_features_compute() derives
 * the vector from that state at a time `now`; the trainer (now = cutoff)
 * and the module (now = request time) both call it.
 */

#ifndef RP_FEATURES_H
#define RP_FEATURES_H

#include <stdint.h>
#include "rp_event.h"

enum {
    RP_F_EVENT_COUNT = 0,
    RP_F_AMOUNT_MAX,
    RP_F_AMOUNT_MEAN,
    RP_F_AMOUNT_MIN,
    RP_F_AMOUNT_SUM,
    RP_F_TOTAL_SPEND,
    RP_F_AVG_TRANSACTION_AMOUNT,
    RP_F_PURCHASE_COUNT,
    RP_F_VIEW_COUNT,
    RP_F_PRODUCT_VIEW_COUNT,
    RP_F_PRODUCT_PURCHASE_COUNT,
    RP_F_REPEAT_PURCHASE_COUNT,
    RP_F_VIEW_TO_PURCHASE_RATIO,
    RP_F_DAYS_SINCE_LAST_PURCHASE,
    RP_NFEATURES
};

#define RP_FEATURE_NAME_MAX   32       /* including the NUL */
#define RP_DAYS_NEVER         365.0    /* days_since_last_purchase without a purchase */

typedef struct {
    const char *name;
    const char *meaning;
    double      unknown_default;     /* value for a user the store does not know */
} rp_feature_def_t;

extern const rp_feature_def_t rp_features[RP_NFEATURES];

/* Index of a feature by name, or -1. */
int rp_feature_index(const char *name, size_t len);

/* Raw state of one user (all of that user's events). */
typedef struct {
    int64_t event_count;
    int64_t amount_sum;       /* cents, all events */
    int64_t amount_min;       /* cents; meaningless when event_count == 0 */
    int64_t amount_max;       /* cents */
    int64_t purchase_count;
    int64_t purchase_sum;     /* cents */
    int64_t view_count;
    int64_t repeat_products;  /* products bought at least twice */
    int64_t last_purchase;    /* epoch seconds; 0 = never */
} rp_user_state_t;

/* Raw state of one (user, product) pair. */
typedef struct {
    int64_t views;
    int64_t purchases;
} rp_pair_state_t;

void rp_user_state_init(rp_user_state_t *u);

/*
 * Applies one event to the state in memory (the trainer's path; the store
 * applies the same rules in its Lua script, see rp_store.h).
 */
void rp_state_apply(rp_user_state_t *u, rp_pair_state_t *p, const rp_event_t *ev);

/*
 * The feature vector, in table order, at time now. u == NULL means an
 * unknown user (every feature takes its unknown_default); p == NULL means
 * the pair has no history.
 */
void rp_features_compute(const rp_user_state_t *u, const rp_pair_state_t *p,
    int64_t now, float out[RP_NFEATURES]);

#endif /* RP_FEATURES_H */
