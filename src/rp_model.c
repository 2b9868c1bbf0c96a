/*
 * rp_model.c: the model file writer, loader/validator and scorer
 * (format and semantics in rp_model.h).
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rp_model.h"


#define RP_ALIGN8(n)   (((n) + 7) & ~(size_t) 7)
#define RP_HDR_SIZE    sizeof(rp_model_header_t)

typedef char rp_check_node_size[sizeof(rp_node_t) == 12 ? 1 : -1];
typedef char rp_check_tree_size[sizeof(rp_tree_t) == 16 ? 1 : -1];
typedef char rp_check_hdr_size[sizeof(rp_model_header_t) == 256 ? 1 : -1];
typedef char rp_check_prior_n[RP_MODEL_PRIOR_N == RP_PRIOR_N ? 1 : -1];


static int
rp_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rp_qs_build(rp_model_t *m);
static int rp_prior_build(const rp_model_spec_t *s, rp_prior_slot_t **out,
    uint32_t *nslots, uint32_t *probe, char *err, size_t errlen);
static int rp_prior_check(const rp_model_t *m, char *err, size_t errlen);

/* the prior columns that may be NaN (bit j: column j): the median
 * interval of a product nobody bought twice */
#define RP_PRIOR_NAN_OK  (1u << 4)

static const float  rp_prior_none[RP_MODEL_PRIOR_N] = {
    NAN, NAN, NAN, NAN, NAN
};



static int
rp_fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }

    return -1;
}


uint32_t
rp_crc32(uint32_t crc, const void *buf, size_t len)
{
    static uint32_t        table[256];
    static int             ready;
    const unsigned char   *p = buf;
    uint32_t               c;
    int                    i, k;

    if (!ready) {
        for (i = 0; i < 256; i++) {
            c = (uint32_t) i;
            for (k = 0; k < 8; k++) {
                c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            }
            table[i] = c;
        }
        ready = 1;
    }

    crc = ~crc;
    while (len--) {
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    }

    return ~crc;
}


/*
 * Checks one tree (nodes relative to its root) and computes its depth.
 * Pre-order with an implicit left child: each internal node i has children
 * i + 1 and right, both > i, so parents come before children and one
 * forward pass assigns every depth. A node reached twice (shared) or never
 * (orphan) is refused: the node set must be exactly one tree.
 */
static int
rp_tree_check(const rp_node_t *n, uint32_t count, uint32_t n_features,
    uint32_t tree, uint32_t *depth_out, char *err, size_t errlen)
{
    uint8_t   *depth;
    uint32_t   i, f, max = 0, kids[2];
    int        k, rc = -1;

    if (count == 0) {
        return rp_fail(err, errlen, "tree %u has no nodes", tree);
    }

    depth = malloc(count);
    if (depth == NULL) {
        return rp_fail(err, errlen, "out of memory");
    }
    memset(depth, 0xff, count);
    depth[0] = 0;

    for (i = 0; i < count; i++) {
        if (depth[i] == 0xff) {
            rp_fail(err, errlen, "tree %u node %u is not reachable from the root",
                    tree, i);
            goto done;
        }

        if (n[i].split == RP_NODE_LEAF) {
            if (!isfinite(n[i].value)) {
                rp_fail(err, errlen, "tree %u leaf %u has a non-finite value",
                        tree, i);
                goto done;
            }
            if (n[i].right != 0) {
                rp_fail(err, errlen, "tree %u leaf %u has a child", tree, i);
                goto done;
            }
            if (depth[i] > max) {
                max = depth[i];
            }
            continue;
        }

        f = n[i].split & RP_NODE_FEATURE_MASK;
        if (f >= n_features) {
            rp_fail(err, errlen, "tree %u node %u: feature index %u out of range "
                    "(model has %u features)", tree, i, f, n_features);
            goto done;
        }
        if (isnan(n[i].value)) {
            rp_fail(err, errlen, "tree %u node %u: threshold is NaN", tree, i);
            goto done;
        }
        if (i + 1 >= count || n[i].right <= i + 1 || n[i].right >= count) {
            rp_fail(err, errlen, "tree %u node %u: child index %u out of range "
                    "or not after its parent", tree, i, n[i].right);
            goto done;
        }
        if (depth[i] + 1 > RP_MODEL_MAX_DEPTH) {
            rp_fail(err, errlen, "tree %u is deeper than %d", tree,
                    RP_MODEL_MAX_DEPTH);
            goto done;
        }

        kids[0] = i + 1;
        kids[1] = n[i].right;
        for (k = 0; k < 2; k++) {
            if (depth[kids[k]] != 0xff) {
                rp_fail(err, errlen, "tree %u node %u has two parents", tree,
                        kids[k]);
                goto done;
            }
            depth[kids[k]] = (uint8_t) (depth[i] + 1);
        }
    }

    *depth_out = max;
    rc = 0;

done:
    free(depth);
    return rc;
}


int
rp_model_serialize(const rp_model_spec_t *s, void **out, size_t *len,
    char *err, size_t errlen)
{
    rp_model_header_t  *h;
    rp_tree_t          *trees;
    unsigned char      *img;
    rp_prior_slot_t    *slots = NULL;
    size_t              names_off, trees_off, nodes_off, size, vlen,
                        priors_off = 0, slots_off = 0, ids_off = 0,
                        ids_len = 0;
    uint64_t            total = 0;
    uint32_t            t, first = 0, depth, nslots = 0, probe = 0;

    *out = NULL;

    if (s->n_features == 0 || s->n_features > RP_MODEL_MAX_FEATURES) {
        return rp_fail(err, errlen, "feature count %u not in 1..%d",
                       s->n_features, RP_MODEL_MAX_FEATURES);
    }
    if (s->n_trees == 0 || s->n_trees > RP_MODEL_MAX_TREES) {
        return rp_fail(err, errlen, "tree count %u not in 1..%u", s->n_trees,
                       RP_MODEL_MAX_TREES);
    }
    for (t = 0; t < s->n_trees; t++) {
        total += s->tree_count[t];
    }
    if (total == 0 || total > RP_MODEL_MAX_NODES) {
        return rp_fail(err, errlen, "node count %llu not in 1..%u",
                       (unsigned long long) total, RP_MODEL_MAX_NODES);
    }
    vlen = s->version ? strlen(s->version) : 0;
    if (vlen == 0 || vlen >= RP_MODEL_VERSION_MAX) {
        return rp_fail(err, errlen, "model version must be 1..%d bytes",
                       RP_MODEL_VERSION_MAX - 1);
    }

    names_off = RP_HDR_SIZE;
    trees_off = RP_ALIGN8(names_off + (size_t) s->n_features * RP_FEATURE_NAME_MAX);
    nodes_off = RP_ALIGN8(trees_off + (size_t) s->n_trees * sizeof(rp_tree_t));
    size = nodes_off + (size_t) total * sizeof(rp_node_t);

    if (s->prior_values != NULL) {
        if (s->n_priors > RP_MODEL_MAX_PRIORS) {
            return rp_fail(err, errlen, "prior count %u over %u", s->n_priors,
                           RP_MODEL_MAX_PRIORS);
        }
        if (rp_prior_build(s, &slots, &nslots, &probe, err, errlen) != 0) {
            return -1;
        }
        for (t = 0; t < s->n_priors; t++) {
            ids_len += s->prior_id_lens[t];
        }
        priors_off = RP_ALIGN8(size);
        slots_off = RP_ALIGN8(priors_off + ((size_t) s->n_priors + 1)
                              * RP_MODEL_PRIOR_N * sizeof(float));
        ids_off = slots_off + (size_t) nslots * sizeof(rp_prior_slot_t);
        size = ids_off + ids_len;
    }

    img = calloc(1, size);
    if (img == NULL) {
        free(slots);
        return rp_fail(err, errlen, "out of memory for %zu bytes", size);
    }

    h = (rp_model_header_t *) img;
    memcpy(h->magic, RP_MODEL_MAGIC, 4);
    h->format = slots != NULL ? RP_MODEL_FORMAT : RP_MODEL_FORMAT_V1;
    h->endian = RP_MODEL_ENDIAN;
    h->header_size = (uint32_t) RP_HDR_SIZE;
    h->file_size = size;
    h->n_features = s->n_features;
    h->n_trees = s->n_trees;
    h->n_nodes = (uint32_t) total;
    h->objective = s->objective;
    h->base_margin = s->base_margin;
    h->names_off = (uint32_t) names_off;
    h->trees_off = (uint32_t) trees_off;
    h->nodes_off = (uint32_t) nodes_off;
    h->trained_at = s->trained_at;
    memcpy(h->version, s->version, vlen);

    for (t = 0; t < s->n_features; t++) {
        size_t nl = strlen(s->feature_names[t]);

        if (nl == 0 || nl >= RP_FEATURE_NAME_MAX) {
            free(img);
            free(slots);
            return rp_fail(err, errlen, "feature name %u has a bad length", t);
        }
        memcpy(img + names_off + (size_t) t * RP_FEATURE_NAME_MAX,
               s->feature_names[t], nl);
    }

    memcpy(img + nodes_off, s->nodes, (size_t) total * sizeof(rp_node_t));

    if (slots != NULL) {
        h->priors_off = (uint32_t) priors_off;
        h->n_priors = s->n_priors;
        h->prior_n = RP_MODEL_PRIOR_N;
        h->prior_slots = nslots;
        h->prior_probe = probe;
        h->prior_ids_len = (uint32_t) ids_len;
        memcpy(img + priors_off, s->prior_values, ((size_t) s->n_priors + 1)
               * RP_MODEL_PRIOR_N * sizeof(float));
        memcpy(img + slots_off, slots,
               (size_t) nslots * sizeof(rp_prior_slot_t));
        for (t = 0, vlen = 0; t < s->n_priors; t++) {
            memcpy(img + ids_off + vlen, s->prior_ids[t],
                   s->prior_id_lens[t]);
            vlen += s->prior_id_lens[t];
        }
        free(slots);
    }

    trees = (rp_tree_t *) (img + trees_off);
    for (t = 0; t < s->n_trees; t++) {
        trees[t].first = first;
        trees[t].count = s->tree_count[t];
        if (rp_tree_check(s->nodes + first, s->tree_count[t], s->n_features, t,
                          &depth, err, errlen) != 0)
        {
            free(img);
            return -1;
        }
        trees[t].depth = depth;
        if (depth > h->max_depth) {
            h->max_depth = depth;
        }
        first += s->tree_count[t];
    }

    h->crc32 = rp_crc32(0, img + RP_HDR_SIZE, size - RP_HDR_SIZE);

    *out = img;
    *len = size;
    return 0;
}


uint64_t
rp_model_prior_hash(const char *s, size_t len)
{
    size_t    i;
    uint64_t  h;

    h = 1469598103934665603ull;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 1099511628211ull;
    }

    /* FNV-1a's high bits (the home slot) mix poorly: fold them */
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 32;

    return h;
}


/*
 * The writer's open-addressing table: a power of two at least twice the
 * products, linear probing; grown until no id sits more than
 * RP_MODEL_PRIOR_PROBE_MAX slots from its home, so a lookup is bounded.
 */
static int
rp_prior_build(const rp_model_spec_t *s, rp_prior_slot_t **out,
    uint32_t *nslots, uint32_t *probe, char *err, size_t errlen)
{
    uint32_t          n, cap, k, i, d, max, off, len, r;
    uint64_t          h;
    rp_prior_slot_t  *t;

    n = s->n_priors;
    for (cap = 1; cap < 2 * (uint64_t) n || cap <= n; cap <<= 1) {
        /* void */
    }

    for ( ;; ) {
        t = calloc(cap, sizeof(rp_prior_slot_t));
        if (t == NULL) {
            return rp_fail(err, errlen, "out of memory for the prior table");
        }

        max = 0;
        off = 0;
        for (k = 0; k < n; k++) {
            len = s->prior_id_lens[k];
            if (len == 0 || len > RP_ID_MAX) {
                free(t);
                return rp_fail(err, errlen, "prior id %u has a bad length %u",
                               k, len);
            }

            h = rp_model_prior_hash(s->prior_ids[k], len);
            i = (uint32_t) (h >> 32) & (cap - 1);
            for (d = 0; t[i].row != 0; d++) {
                r = t[i].row - 1;
                if (t[i].hash == (uint32_t) h && t[i].id_len == len
                    && memcmp(s->prior_ids[r], s->prior_ids[k], len) == 0)
                {
                    free(t);
                    return rp_fail(err, errlen, "prior id \"%.*s\" appears "
                                   "twice", (int) len, s->prior_ids[k]);
                }
                i = (i + 1) & (cap - 1);
            }

            t[i].hash = (uint32_t) h;
            t[i].row = k + 1;
            t[i].id_off = off;
            t[i].id_len = len;
            off += len;
            if (d > max) {
                max = d;
            }
        }

        if (max <= RP_MODEL_PRIOR_PROBE_MAX) {
            break;
        }

        free(t);
        if (cap >= 4 * RP_MODEL_MAX_PRIORS) {
            return rp_fail(err, errlen, "prior table: probe sequences too "
                           "long");
        }
        cap <<= 1;
    }

    *out = t;
    *nslots = cap;
    *probe = max;
    return 0;
}


/*
 * The prior section of a mapped model: values finite and non-negative
 * (NaN only where allowed); every slot empty and zero, or a row in range
 * used once, an id inside the pool whose hash matches, found by a lookup
 * (which catches a duplicate id and a slot past the probe bound).
 */
static int
rp_prior_check(const rp_model_t *m, char *err, size_t errlen)
{
    int                      rc;
    float                    v;
    uint8_t                 *seen;
    uint32_t                 i, j, n, used;
    const rp_prior_slot_t   *sl;
    const rp_model_header_t *h = m->hdr;

    n = h->n_priors;

    for (i = 0; i <= n; i++) {
        for (j = 0; j < RP_MODEL_PRIOR_N; j++) {
            v = m->prior_values[(size_t) i * RP_MODEL_PRIOR_N + j];
            if (isinf(v) || v < 0
                || (isnan(v) && !(RP_PRIOR_NAN_OK & (1u << j))))
            {
                return rp_fail(err, errlen, "prior row %u value %u is not a "
                               "finite non-negative number", i, j);
            }
        }
    }

    seen = calloc((size_t) n + 1, 1);
    if (seen == NULL) {
        return rp_fail(err, errlen, "out of memory");
    }

    rc = -1;
    used = 0;
    for (i = 0; i < h->prior_slots; i++) {
        sl = &m->prior_slots[i];

        if (sl->row == 0) {
            if (sl->hash != 0 || sl->id_off != 0 || sl->id_len != 0) {
                rp_fail(err, errlen, "prior slot %u is empty but not zero", i);
                goto done;
            }
            continue;
        }

        if (sl->row > n || seen[sl->row]) {
            rp_fail(err, errlen, "prior slot %u: row %u out of range or in "
                    "two slots", i, sl->row);
            goto done;
        }
        seen[sl->row] = 1;
        used++;

        if (sl->id_len == 0 || sl->id_len > RP_ID_MAX
            || sl->id_off > h->prior_ids_len
            || sl->id_len > h->prior_ids_len - sl->id_off)
        {
            rp_fail(err, errlen, "prior slot %u: id outside the pool", i);
            goto done;
        }

        if ((uint32_t) rp_model_prior_hash(m->prior_ids + sl->id_off,
                                           sl->id_len) != sl->hash)
        {
            rp_fail(err, errlen, "prior slot %u: hash does not match its id",
                    i);
            goto done;
        }

        if (rp_model_prior(m, m->prior_ids + sl->id_off, sl->id_len)
            != m->prior_values + (size_t) sl->row * RP_MODEL_PRIOR_N)
        {
            rp_fail(err, errlen, "prior slot %u: id \"%.*s\" is not found by "
                    "a lookup (a duplicate, or past the probe bound)", i,
                    (int) sl->id_len, m->prior_ids + sl->id_off);
            goto done;
        }
    }

    if (used != n) {
        rp_fail(err, errlen, "prior table holds %u of %u products", used, n);
        goto done;
    }

    rc = 0;

done:
    free(seen);
    return rc;
}


const float *
rp_model_prior(const rp_model_t *m, const char *product_id, size_t len)
{
    uint32_t                i, k, mask;
    uint64_t                h;
    const rp_prior_slot_t  *sl;

    if (m->prior_values == NULL) {
        return rp_prior_none;
    }

    h = rp_model_prior_hash(product_id, len);
    mask = m->hdr->prior_slots - 1;
    i = (uint32_t) (h >> 32) & mask;

    for (k = 0; k <= m->hdr->prior_probe; k++) {
        sl = &m->prior_slots[i];
        if (sl->row == 0) {
            break;
        }
        if (sl->hash == (uint32_t) h && sl->id_len == len
            && memcmp(m->prior_ids + sl->id_off, product_id, len) == 0)
        {
            return m->prior_values + (size_t) sl->row * RP_MODEL_PRIOR_N;
        }
        i = (i + 1) & mask;
    }

    return m->prior_values;
}


size_t
rp_model_priors_size(const rp_model_t *m)
{
    if (m->prior_values == NULL) {
        return 0;
    }

    return m->hdr->file_size - m->hdr->priors_off;
}


int
rp_model_write(const char *path, const rp_model_spec_t *spec, char *err,
    size_t errlen)
{
    void     *img;
    size_t    len, off = 0;
    char      tmp[PATH_MAX], dir[PATH_MAX], *slash;
    int       fd, dfd;
    ssize_t   n;

    if (rp_model_serialize(spec, &img, &len, err, errlen) != 0) {
        return -1;
    }

    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long) getpid())
        >= (int) sizeof(tmp))
    {
        free(img);
        return rp_fail(err, errlen, "path too long: %s", path);
    }

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(img);
        return rp_fail(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
    }

    while (off < len) {
        n = write(fd, (char *) img + off, len - off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            rp_fail(err, errlen, "write %s: %s", tmp, strerror(errno));
            goto fail;
        }
        off += (size_t) n;
    }

    if (fsync(fd) != 0) {
        rp_fail(err, errlen, "fsync %s: %s", tmp, strerror(errno));
        goto fail;
    }
    close(fd);
    fd = -1;
    free(img);
    img = NULL;

    if (rename(tmp, path) != 0) {
        rp_fail(err, errlen, "rename %s to %s: %s", tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }

    /* make the rename durable */
    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash == NULL) {
        strcpy(dir, ".");
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void) fsync(dfd);
        close(dfd);
    }

    return 0;

fail:
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    free(img);
    return -1;
}


int
rp_model_load_buffer(rp_model_t *m, const void *buf, size_t len, char *err,
    size_t errlen)
{
    const rp_model_header_t  *h = buf;
    const unsigned char      *img = buf;
    const rp_tree_t          *trees;
    const rp_node_t          *nodes;
    size_t                    names_off, trees_off, nodes_off, need, vlen;
    uint32_t                  t, first = 0, depth, j, k;
    int                       idx;
    const char               *name;

    memset(m, 0, sizeof(*m));

    if (((uintptr_t) buf & 7) != 0) {
        return rp_fail(err, errlen, "model image is not 8-byte aligned");
    }
    if (len < RP_HDR_SIZE) {
        return rp_fail(err, errlen, "file too short for a header (%zu bytes, "
                       "need %zu)", len, RP_HDR_SIZE);
    }
    if (memcmp(h->magic, RP_MODEL_MAGIC, 4) != 0) {
        return rp_fail(err, errlen, "bad magic: not an rp model file");
    }
    if (h->endian != RP_MODEL_ENDIAN) {
        return rp_fail(err, errlen, "bad byte-order marker 0x%08x",
                       (unsigned) h->endian);
    }
    if (h->format != RP_MODEL_FORMAT && h->format != RP_MODEL_FORMAT_V1) {
        return rp_fail(err, errlen, "unsupported format version %u (this build "
                       "reads %u and %u)", h->format, RP_MODEL_FORMAT_V1,
                       RP_MODEL_FORMAT);
    }
    if (h->header_size != RP_HDR_SIZE) {
        return rp_fail(err, errlen, "bad header size %u", h->header_size);
    }
    if (h->file_size != len) {
        return rp_fail(err, errlen, "file size %zu does not match the header's "
                       "%llu (truncated or padded)", len,
                       (unsigned long long) h->file_size);
    }
    if (h->n_features == 0 || h->n_features > RP_MODEL_MAX_FEATURES) {
        return rp_fail(err, errlen, "feature count %u not in 1..%d",
                       h->n_features, RP_MODEL_MAX_FEATURES);
    }
    if (h->n_trees == 0 || h->n_trees > RP_MODEL_MAX_TREES) {
        return rp_fail(err, errlen, "tree count %u not in 1..%u", h->n_trees,
                       RP_MODEL_MAX_TREES);
    }
    if (h->n_nodes == 0 || h->n_nodes > RP_MODEL_MAX_NODES) {
        return rp_fail(err, errlen, "node count %u not in 1..%u", h->n_nodes,
                       RP_MODEL_MAX_NODES);
    }
    if (h->objective != RP_OBJ_LOGISTIC) {
        return rp_fail(err, errlen, "unknown objective %u", h->objective);
    }
    if (!isfinite(h->base_margin)) {
        return rp_fail(err, errlen, "base margin is not finite");
    }

    names_off = RP_HDR_SIZE;
    trees_off = RP_ALIGN8(names_off + (size_t) h->n_features * RP_FEATURE_NAME_MAX);
    nodes_off = RP_ALIGN8(trees_off + (size_t) h->n_trees * sizeof(rp_tree_t));
    need = nodes_off + (size_t) h->n_nodes * sizeof(rp_node_t);

    if (h->names_off != names_off || h->trees_off != trees_off
        || h->nodes_off != nodes_off)
    {
        return rp_fail(err, errlen, "section offsets do not match the counts");
    }

    if (h->format == RP_MODEL_FORMAT) {
        if (h->prior_n != RP_MODEL_PRIOR_N) {
            return rp_fail(err, errlen, "prior rows of %u values (this build "
                           "knows %d)", h->prior_n, RP_MODEL_PRIOR_N);
        }
        if (h->n_priors > RP_MODEL_MAX_PRIORS
            || h->prior_slots <= h->n_priors
            || (h->prior_slots & (h->prior_slots - 1)) != 0
            || h->prior_slots > 4 * RP_MODEL_MAX_PRIORS)
        {
            return rp_fail(err, errlen, "prior table of %u slots for %u "
                           "products (a power of two above the count "
                           "expected)", h->prior_slots, h->n_priors);
        }
        if (h->prior_probe > RP_MODEL_PRIOR_PROBE_MAX) {
            return rp_fail(err, errlen, "prior probe bound %u over %d",
                           h->prior_probe, RP_MODEL_PRIOR_PROBE_MAX);
        }
        if ((uint64_t) h->prior_ids_len > (uint64_t) h->n_priors * RP_ID_MAX) {
            return rp_fail(err, errlen, "prior ids of %u bytes for %u "
                           "products", h->prior_ids_len, h->n_priors);
        }
        if (h->priors_off != RP_ALIGN8(need)) {
            return rp_fail(err, errlen, "prior section offset %u does not "
                           "follow the nodes", h->priors_off);
        }
        need = RP_ALIGN8(h->priors_off + ((size_t) h->n_priors + 1)
                         * RP_MODEL_PRIOR_N * sizeof(float))
               + (size_t) h->prior_slots * sizeof(rp_prior_slot_t)
               + h->prior_ids_len;
    }
    if (need != len) {
        return rp_fail(err, errlen, "sections need %zu bytes, file has %zu",
                       need, len);
    }

    vlen = strnlen(h->version, RP_MODEL_VERSION_MAX);
    if (vlen == 0 || vlen == RP_MODEL_VERSION_MAX) {
        return rp_fail(err, errlen, "model version is empty or not terminated");
    }
    for (j = 0; j < vlen; j++) {
        if (h->version[j] < 0x21 || h->version[j] > 0x7e) {
            return rp_fail(err, errlen, "model version has a bad character");
        }
    }

    if (rp_crc32(0, img + RP_HDR_SIZE, len - RP_HDR_SIZE) != h->crc32) {
        return rp_fail(err, errlen, "checksum mismatch: the file is damaged");
    }

    for (j = 0; j < h->n_features; j++) {
        name = (const char *) img + names_off + (size_t) j * RP_FEATURE_NAME_MAX;
        vlen = strnlen(name, RP_FEATURE_NAME_MAX);
        if (vlen == RP_FEATURE_NAME_MAX) {
            return rp_fail(err, errlen, "feature name %u is not terminated", j);
        }
        idx = rp_feature_index(name, vlen);
        if (idx < 0) {
            return rp_fail(err, errlen, "model needs unknown feature \"%.*s\"",
                           (int) vlen, name);
        }
        for (k = 0; k < j; k++) {
            if (m->feat_map[k] == (uint8_t) idx) {
                return rp_fail(err, errlen, "feature \"%s\" appears twice",
                               rp_features[idx].name);
            }
        }
        m->feat_map[j] = (uint8_t) idx;

        /* the prior features come from the file's table, not the store */
        if (idx >= RP_F_PRIOR_FIRST && idx < RP_F_PRIOR_FIRST + RP_PRIOR_N
            && h->format != RP_MODEL_FORMAT)
        {
            return rp_fail(err, errlen, "model uses the product prior "
                           "\"%s\" but has no prior table",
                           rp_features[idx].name);
        }
    }

    trees = (const rp_tree_t *) (img + trees_off);
    nodes = (const rp_node_t *) (img + nodes_off);

    for (t = 0; t < h->n_trees; t++) {
        if (trees[t].first != first || trees[t].count == 0
            || trees[t].count > h->n_nodes - first)
        {
            return rp_fail(err, errlen, "tree %u: node range [%u, +%u) is not "
                           "the next slice of the node array", t,
                           trees[t].first, trees[t].count);
        }
        if (rp_tree_check(nodes + first, trees[t].count, h->n_features, t,
                          &depth, err, errlen) != 0)
        {
            return -1;
        }
        if (depth != trees[t].depth || depth > h->max_depth) {
            return rp_fail(err, errlen, "tree %u: recorded depth %u, actual %u",
                           t, trees[t].depth, depth);
        }
        first += trees[t].count;
    }

    if (first != h->n_nodes) {
        return rp_fail(err, errlen, "trees cover %u of %u nodes", first,
                       h->n_nodes);
    }

    m->hdr = h;
    m->names = (const char *) img + names_off;
    m->trees = trees;
    m->nodes = nodes;

    if (h->format == RP_MODEL_FORMAT) {
        need = RP_ALIGN8(h->priors_off + ((size_t) h->n_priors + 1)
                         * RP_MODEL_PRIOR_N * sizeof(float));
        m->prior_values = (const float *) (img + h->priors_off);
        m->prior_slots = (const rp_prior_slot_t *) (img + need);
        m->prior_ids = (const char *) img + need
                       + (size_t) h->prior_slots * sizeof(rp_prior_slot_t);

        if (rp_prior_check(m, err, errlen) != 0) {
            memset(m, 0, sizeof(*m));
            return -1;
        }
    }

    if (rp_qs_build(m) != 0) {
        memset(m, 0, sizeof(*m));
        return rp_fail(err, errlen, "out of memory for the scorer's tables");
    }

    return 0;
}


int
rp_model_open(rp_model_t *m, const char *path, char *err, size_t errlen)
{
    struct stat   st;
    void         *p;
    int           fd;

    memset(m, 0, sizeof(*m));

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return rp_fail(err, errlen, "cannot open: %s", strerror(errno));
    }

    if (fstat(fd, &st) != 0) {
        rp_fail(err, errlen, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }

    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return rp_fail(err, errlen, "not a regular file");
    }
    if ((size_t) st.st_size < RP_HDR_SIZE || st.st_size > (off_t) 1 << 30) {
        close(fd);
        return rp_fail(err, errlen, "file size %lld is not that of a model",
                       (long long) st.st_size);
    }

    p = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);

    if (p == MAP_FAILED) {
        return rp_fail(err, errlen, "mmap: %s", strerror(errno));
    }

    if (rp_model_load_buffer(m, p, (size_t) st.st_size, err, errlen) != 0) {
        munmap(p, (size_t) st.st_size);
        memset(m, 0, sizeof(*m));
        return -1;
    }

    m->map = p;
    m->map_len = (size_t) st.st_size;

    return 0;
}


void
rp_model_close(rp_model_t *m)
{
    if (m->map != NULL) {
        munmap(m->map, m->map_len);
    }
    free(m->qs);

    memset(m, 0, sizeof(*m));
}


/*
 * Scoring. A walk down one tree is a chain of dependent loads (node, then
 * feature, then the next node), so its cost is memory latency and branch
 * mispredictions, not work. So walks are interleaved and branch-free:
 *
 * - one row goes down RP_LANES trees at once, a batch goes down each tree
 *   RP_LANES rows at a time, so independent loads overlap;
 * - a step is a select, never a branch, and a leaf absorbs (a walk that
 *   reached its leaf stays there), so every lane runs for the group's
 *   recorded depth with no data-dependent exit. The loader proved the
 *   depths, the child indices and the feature indices, so this is safe.
 *
 * A leaf's split is all ones: its feature index masked with 63 reads x[63],
 * which is why every row buffer here has RP_MODEL_MAX_FEATURES floats.
 */

#define RP_LANES   8
#define RP_FMASK   (RP_MODEL_MAX_FEATURES - 1)

typedef char rp_check_fmask[(RP_MODEL_MAX_FEATURES & RP_FMASK) == 0 ? 1 : -1];


static inline uint32_t
rp_step(const rp_node_t *n, uint32_t i, const float *x)
{
    uint32_t  s = n[i].split, go, next, leaf;
    float     v = x[s & RP_FMASK];

    /* left iff v < threshold, or v is NaN and the default is left */
    go = (uint32_t) ((v < n[i].value) | ((v != v) & (int) (s >> 31)));
    next = ((i + 1) & (0u - go)) | (n[i].right & (go - 1u));
    leaf = (uint32_t) (s == RP_NODE_LEAF);

    return (i & (0u - leaf)) | (next & (leaf - 1u));
}


/*
 * The same walks with AVX2: 8 lanes in one register, four gathers a step
 * (split, threshold, right child, feature value). Used when the CPU has
 * AVX2 (checked once at run time); the leaf values are added in the same
 * order and precision as the portable path, so both give identical bits.
 * rp_model_simd(0) forces the portable path (tests, benchmarks).
 */

#if (defined(__x86_64__) || defined(__i386__)) \
    && (defined(__GNUC__) || defined(__clang__))

#include <immintrin.h>

#define RP_AVX2_PATH  1
#define RP_AVX2       __attribute__((target("avx2")))

#define RP_AVX512     __attribute__((target("avx512f,avx512cd")))

/* -1: not yet known, 0: portable, 1: AVX2, 2: AVX2, AVX-512F and CD */
static int  rp_simd = -1;
static int  rp_simd_max = 2;       /* rp_model_simd(2) caps it at AVX2 */


/* What the CPU has: 0, 1 (AVX2) or 2 (AVX2, AVX-512F and CD). */
static int
rp_cpu_simd(void)
{
    __builtin_cpu_init();

    if (!__builtin_cpu_supports("avx2")) {
        return 0;
    }

    return __builtin_cpu_supports("avx512f")
           && __builtin_cpu_supports("avx512cd") ? 2 : 1;
}


static void
rp_simd_detect(void)
{
    rp_simd = rp_cpu_simd();
    if (rp_simd > rp_simd_max) {
        rp_simd = rp_simd_max;
    }
}


static int
rp_avx2(void)
{
    if (rp_simd < 0) {
        rp_simd_detect();
    }

    return rp_simd >= 1;
}


static int
rp_avx512(void)
{
    if (rp_simd < 0) {
        rp_simd_detect();
    }

    return rp_simd >= 2;
}


/* One step of 8 walks; idx holds absolute node indices, first the roots,
 * xoff each lane's offset into x (0 for one row, row * 64 in a batch). */
RP_AVX2 static inline __m256i
rp_step8(const rp_node_t *nodes, __m256i idx, __m256i first, const float *x,
    __m256i xoff)
{
    const int  *b = (const int *) nodes;
    __m256i     off, split, right, go, next, leaf, dl;
    __m256      thr, v, lt, un;

    off = _mm256_add_epi32(idx, _mm256_slli_epi32(idx, 1));       /* idx * 3 */
    split = _mm256_i32gather_epi32(b, off, 4);
    thr = _mm256_i32gather_ps((const float *) (b + 1), off, 4);
    right = _mm256_i32gather_epi32(b + 2, off, 4);

    v = _mm256_i32gather_ps(x, _mm256_add_epi32(xoff,
                                _mm256_and_si256(split, _mm256_set1_epi32(RP_FMASK))),
                            4);
    lt = _mm256_cmp_ps(v, thr, _CMP_LT_OQ);
    un = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    dl = _mm256_srai_epi32(split, 31);
    go = _mm256_or_si256(_mm256_castps_si256(lt),
                         _mm256_and_si256(_mm256_castps_si256(un), dl));

    next = _mm256_blendv_epi8(_mm256_add_epi32(first, right),
                              _mm256_add_epi32(idx, _mm256_set1_epi32(1)), go);
    leaf = _mm256_cmpeq_epi32(split, _mm256_set1_epi32(-1));

    return _mm256_blendv_epi8(next, idx, leaf);
}


RP_AVX2 static inline void
rp_leaves8(const rp_node_t *nodes, __m256i idx, float out[8])
{
    __m256i  off = _mm256_add_epi32(idx, _mm256_slli_epi32(idx, 1));

    _mm256_storeu_ps(out, _mm256_i32gather_ps(
                              (const float *) ((const int *) nodes + 1), off, 4));
}


#define RP_VECS  3                  /* vectors of 8 walks in flight */

RP_AVX2 static double
rp_model_margin_avx2(const rp_model_t *m, const float *x)
{
    const rp_tree_t  *tr = m->trees;
    uint32_t          t, nt = m->hdr->n_trees, k, lanes, d, step, v;
    int32_t           firsts[8 * RP_VECS];
    float             leaves[8 * RP_VECS];
    double            margin = m->hdr->base_margin;
    __m256i           f[RP_VECS], i[RP_VECS], zero = _mm256_setzero_si256();

    /* several vectors of 8 walks at once: their gathers overlap */
    for (t = 0; t < nt; t += lanes) {
        lanes = nt - t < 8 * RP_VECS ? nt - t : 8 * RP_VECS;
        d = 0;

        for (k = 0; k < 8 * RP_VECS; k++) {
            firsts[k] = (int32_t) tr[t + (k < lanes ? k : 0)].first;
            if (k < lanes && tr[t + k].depth > d) {
                d = tr[t + k].depth;
            }
        }

        for (v = 0; v < RP_VECS; v++) {
            f[v] = _mm256_loadu_si256((const __m256i *) (firsts + 8 * v));
            i[v] = f[v];
        }

        for (step = 0; step < d; step++) {
            for (v = 0; v < RP_VECS; v++) {
                i[v] = rp_step8(m->nodes, i[v], f[v], x, zero);
            }
        }

        for (v = 0; v < RP_VECS; v++) {
            rp_leaves8(m->nodes, i[v], leaves + 8 * v);
        }
        for (k = 0; k < lanes; k++) {
            margin += leaves[k];
        }
    }

    return margin;
}


/* A chunk of cn <= 64 rows (x: rows of RP_MODEL_MAX_FEATURES floats),
 * 8 * RP_VECS rows at a time through each tree. */
RP_AVX2 static void
rp_model_chunk_avx2(const rp_model_t *m, const float *x, size_t cn,
    double *out)
{
    uint32_t  t, nt = m->hdr->n_trees, d, step, k, v;
    int32_t   xoffs[8 * RP_VECS];
    float     leaves[8 * RP_VECS];
    size_t    r, rr;
    __m256i   first, i[RP_VECS], xo[RP_VECS];

    for (t = 0; t < nt; t++) {
        first = _mm256_set1_epi32((int32_t) m->trees[t].first);
        d = m->trees[t].depth;

        for (r = 0; r < cn; r += 8 * RP_VECS) {
            for (k = 0; k < 8 * RP_VECS; k++) {
                /* spare lanes past the chunk re-walk its last row */
                rr = r + k < cn ? r + k : cn - 1;
                xoffs[k] = (int32_t) (rr * RP_MODEL_MAX_FEATURES);
            }
            for (v = 0; v < RP_VECS; v++) {
                xo[v] = _mm256_loadu_si256((const __m256i *) (xoffs + 8 * v));
                i[v] = first;
            }

            for (step = 0; step < d; step++) {
                for (v = 0; v < RP_VECS; v++) {
                    i[v] = rp_step8(m->nodes, i[v], first, x, xo[v]);
                }
            }

            for (v = 0; v < RP_VECS; v++) {
                rp_leaves8(m->nodes, i[v], leaves + 8 * v);
            }
            for (k = 0; k < 8 * RP_VECS && r + k < cn; k++) {
                out[r + k] += leaves[k];
            }
        }
    }
}


/*
 * Batches with AVX-512 (F and CD): tree-major over a chunk of rows stored
 * feature major (xc[feature << lg | row]), 16 rows per vector.
 *
 * Gathers are slow (about 20 cycles for 16 elements on the Zen 5 this was
 * tuned on, several times the cost of as many scalar loads), and a walk
 * needs four a level: measured slower than the AVX2 walk. The top of each
 * tree is instead evaluated as in QuickScorer (Lucchese et
 * al., SIGIR 2015): each row keeps a 64-bit set of the tree's "exits",
 * numbered left to right; every internal node where the row goes right
 * removes the exits of its left subtree. The leftmost exit left is the one
 * the walk reaches: the exits left of it lie in left subtrees of nodes
 * where its path went right. Each node costs one compare for 16 rows, with
 * no gather and no branch, and the nodes can go in any order (removals
 * commute).
 *
 * A tree of at most 127 nodes has at most 64 leaves: its exits are its
 * leaves, and the set gives the leaf directly (nearly every tree of a
 * depth-limited forest). A tree of depth 7 to 10 is cut RP_BLK_LEVELS (5)
 * above its bottom (at most 32 exits) and each row finishes in the block
 * of its exit, a padded copy of the subtree below it that one row
 * compares whole, nodes in lanes (rp_qs_block). A deeper tree is cut at
 * depth RP_QS_LEVELS (at most 64 exits: the nodes at that depth and the
 * leaves above it) and its rows walk on from the exit they reached, with
 * gathers (rp_step16).
 *
 * Synthetic forest of 100 complete trees of depth 10, per row in batches
 * of 100 / 10,000: cut at 6 and walked 1037 / 669 ns (about 230 in the
 * top, 450 in 4 levels of gathers, 250 in per-call preparation at 100);
 * tables built at load, cut at 6 and blocks of 4 levels compared as
 * floats 497 / 432; blocks of 5 on keys, cut at 5 with 32-bit sets 312 /
 * 268 (the top about 100, the blocks 175).
 *
 * In pre-order the exits of a subtree are consecutive, so the exits of
 * node i's left subtree are those numbered from the count before i + 1 to
 * the count before its right child.
 *
 * The leaf values go into acc[] (double) tree after tree, in the same
 * order and precision as the portable path, so the bits are the same.
 */

#define RP_QS_NODES   127         /* trees up to this size: no walk at all */
#define RP_QS_LEVELS  6           /* cut of a bigger tree: 2^6 exits */
#define RP_CHUNK_MAX  256         /* rows per chunk, a power of two */
#define RP_XC_FLOATS  4096        /* the chunk's feature-major buffer */

/* blocks: the bottom RP_BLK_LEVELS levels of a tree, one row at a time */
#define RP_BLK_LEVELS 5
#define RP_BLK_NODES  ((1 << RP_BLK_LEVELS) - 1)
#define RP_BLK_VECS   ((RP_BLK_NODES + 15) / 16)
#define RP_BLK_GROWTH 4           /* blocks <= 4 x the tree's own bytes */
#define RP_BLK_FEATURES 32        /* models of at most 32 features */

typedef char rp_check_chunk[RP_XC_FLOATS / RP_MODEL_MAX_FEATURES >= 64
                            && RP_XC_FLOATS <= 65536
                            && (1 << RP_QS_LEVELS) <= 64
                            && RP_BLK_LEVELS >= 3 && RP_BLK_VECS <= 2 ? 1 : -1];

enum { RP_QS_SMALL, RP_QS_BLOCKS, RP_QS_WALK };

/*
 * One tree's QuickScorer part, built once at load (rp_qs_build) from the
 * validated model: built per call it cost about 250 ns per row in batches
 * of 100 on the synthetic forest of depth 10, about 140 on the default
 * model. 1216 bytes a tree.
 */
typedef struct {
    uint64_t  bits[64];           /* node k: the exits of its left subtree */
    float     thr[64];
    uint16_t  off[64];            /* its feature's column in the chunk */
    int32_t   exit[64];           /* SMALL: the leaf value's bits;
                                     BLOCKS: the block's byte offset;
                                     WALK: the node */
    uint16_t  n[2];               /* nodes [0, n[0]) are default right,
                                     the n[1] next default left */
    uint16_t  kind;
    uint16_t  walk;               /* WALK: levels left below the cut */
    uint32_t  first;              /* the tree's root */
} __attribute__((aligned(64))) rp_qs_tree_t;

/*
 * BLOCKS: the subtree below one exit, padded to complete depth
 * RP_BLK_LEVELS (a leaf above the bottom becomes a node whose two sides
 * both lead to copies of it, so any shape fits), in breadth-first order:
 * node p's children are 2p + 1 and 2p + 2, leaf q is node RP_BLK_NODES + q.
 * A row compares all its nodes at once, lanes are nodes (rp_qs_block).
 *
 * The compares are on integer keys (rp_key: ordered like the floats, and
 * a NaN is below or above every key), so that one compare serves both
 * NaN rules: idx[p] picks the row's key with NaN low for a default-left
 * node, high for any other.
 */
typedef struct {
    int32_t   tk[16 * RP_BLK_VECS];       /* the thresholds' keys */
    float     leaf[1 << RP_BLK_LEVELS];
    uint8_t   idx[16 * RP_BLK_VECS];      /* the feature in model order,
                                             + RP_BLK_FEATURES unless
                                             default left */
} __attribute__((aligned(64))) rp_qs_block_t;

typedef char rp_check_qs_sizes[sizeof(rp_qs_tree_t) == 1216
                               && sizeof(rp_qs_block_t) == 320 ? 1 : -1];

/* the tables' header; the trees follow at 64 bytes, then the blocks */
struct rp_qs_s {
    rp_qs_tree_t   *trees;
    rp_qs_block_t  *blocks;
    size_t          nblocks;
    uint32_t        lg;           /* the chunk's row stride, 1 << lg */
    size_t          size;         /* bytes, this header included */
};

typedef char rp_check_qs_head[sizeof(struct rp_qs_s) <= 64 ? 1 : -1];

/* The build's working copy: nodes in two lists, exits relative. */
typedef struct {
    uint32_t  n[2];
    uint16_t  off[2][64];
    float     thr[2][64];
    uint64_t  bits[2][64];
    uint32_t  nexits;
    uint32_t  exit[64];
    float     leaf[64];
    uint32_t  lg;
} rp_qs_tmp_t;


/* Breadth-first node index at level 3 from the turns (bit p: node p goes
 * right) at levels 0-2: one load instead of three dependent steps. */
static const uint8_t  rp_blk_walk3[128] = {
     7, 11,  9, 11,  7, 13,  9, 13,  8, 11,  9, 11,  8, 13,  9, 13,
     7, 11, 10, 11,  7, 13, 10, 13,  8, 11, 10, 11,  8, 13, 10, 13,
     7, 12,  9, 12,  7, 13,  9, 13,  8, 12,  9, 12,  8, 13,  9, 13,
     7, 12, 10, 12,  7, 13, 10, 13,  8, 12, 10, 12,  8, 13, 10, 13,
     7, 11,  9, 11,  7, 14,  9, 14,  8, 11,  9, 11,  8, 14,  9, 14,
     7, 11, 10, 11,  7, 14, 10, 14,  8, 11, 10, 11,  8, 14, 10, 14,
     7, 12,  9, 12,  7, 14,  9, 14,  8, 12,  9, 12,  8, 14,  9, 14,
     7, 12, 10, 12,  7, 14, 10, 14,  8, 12, 10, 12,  8, 14, 10, 14
};


/* Rows per chunk: as many as the buffer holds for nf features, a power of
 * two (the build stores the column offsets for it). */
static uint32_t
rp_chunk_lg(uint32_t nf)
{
    uint32_t  lg;

    for (lg = 0; (2u << lg) <= RP_CHUNK_MAX && (2u << lg) * nf <= RP_XC_FLOATS; lg++) {
        /* void */
    }

    return lg;
}


/* A float's key: x < y iff key(x) < key(y) for any x, y but NaN
 * (-0 is made +0 first, they compare equal). */
static int32_t
rp_key(float x)
{
    uint32_t  b;

    if (x == 0) {
        x = 0;
    }
    memcpy(&b, &x, 4);

    return (int32_t) (b & 0x80000000u ? b ^ 0x7fffffffu : b);
}


/* Exits of the top of a tree cut at depth cut. */
static uint32_t
rp_qs_count(const rp_node_t *n, uint32_t i, uint32_t d, uint32_t cut)
{
    if (n[i].split == RP_NODE_LEAF || d == cut) {
        return 1;
    }

    return rp_qs_count(n, i + 1, d + 1, cut) + rp_qs_count(n, n[i].right, d + 1, cut);
}


/*
 * SMALL: every leaf an exit. BLOCKS: a tree deeper than a block, cut
 * RP_BLK_LEVELS above its depth (at most 32 exits, 32-bit sets), unless
 * its blocks would take more than RP_BLK_GROWTH times its own bytes (a
 * sparse tree). WALK: cut at RP_QS_LEVELS, gathers below.
 */
static uint32_t
rp_qs_kind(const rp_model_t *m, uint32_t t, int blocks)
{
    const rp_tree_t  *tr = &m->trees[t];
    uint32_t          cut;

    if (tr->count <= RP_QS_NODES) {
        return RP_QS_SMALL;
    }

    /* the block reads the row's features (model order) from two vectors */
    if (blocks && m->hdr->n_features <= RP_BLK_FEATURES
        && tr->depth > RP_BLK_LEVELS
        && tr->depth <= RP_BLK_LEVELS + 5)
    {
        cut = tr->depth - RP_BLK_LEVELS;
        if (rp_qs_count(m->nodes + tr->first, 0, 0, cut) * sizeof(rp_qs_block_t)
            <= RP_BLK_GROWTH * tr->count * sizeof(rp_node_t))
        {
            return RP_QS_BLOCKS;
        }
    }

    return RP_QS_WALK;
}


/* Pre-order walk of the top of a tree, numbering the exits. */
static void
rp_qs_add(const rp_node_t *n, uint32_t i, uint32_t d, uint32_t cut,
    rp_qs_tmp_t *q)
{
    uint32_t  lo, k, dl;

    if (n[i].split == RP_NODE_LEAF || d == cut) {
        q->exit[q->nexits] = i;
        q->leaf[q->nexits] = n[i].value;
        q->nexits++;
        return;
    }

    lo = q->nexits;
    rp_qs_add(n, i + 1, d + 1, cut, q);

    /* the left subtree's exits are [lo, q->nexits), fewer than 64 */
    dl = n[i].split >> 31;
    k = q->n[dl]++;
    q->off[dl][k] = (uint16_t) ((n[i].split & RP_FMASK) << q->lg);
    q->thr[dl][k] = n[i].value;
    q->bits[dl][k] = ((UINT64_C(1) << (q->nexits - lo)) - 1) << lo;

    rp_qs_add(n, n[i].right, d + 1, cut, q);
}


/* One exit's block: node i of the tree at breadth-first position p. */
static void
rp_qs_fill(const rp_model_t *m, const rp_node_t *n, uint32_t i, uint32_t p,
    rp_qs_block_t *b)
{
    if (p >= RP_BLK_NODES) {
        b->leaf[p - RP_BLK_NODES] = n[i].value;   /* a leaf: depth checked */
        return;
    }

    if (n[i].split == RP_NODE_LEAF) {
        rp_qs_fill(m, n, i, 2 * p + 1, b);        /* tk[p], idx[p]: any */
        rp_qs_fill(m, n, i, 2 * p + 2, b);
        return;
    }

    b->tk[p] = rp_key(n[i].value);
    b->idx[p] = (uint8_t) ((n[i].split & RP_FMASK)
                           + (n[i].split & RP_NODE_DEFAULT_LEFT
                              ? 0 : RP_BLK_FEATURES));
    rp_qs_fill(m, n, i + 1, 2 * p + 1, b);
    rp_qs_fill(m, n, n[i].right, 2 * p + 2, b);
}


/* One tree's part; *nb counts the blocks used so far. */
static void
rp_qs_tree(const rp_model_t *m, uint32_t t, rp_qs_tmp_t *w, rp_qs_tree_t *q,
    rp_qs_block_t *blocks, size_t *nb)
{
    const rp_tree_t  *tr = &m->trees[t];
    const rp_node_t  *n = m->nodes + tr->first;
    uint32_t          i, k, l, cut;
    float             zero = 0;

    memset(w->n, 0, sizeof(w->n));
    w->nexits = 0;
    q->kind = (uint16_t) rp_qs_kind(m, t, blocks != NULL);
    q->first = tr->first;
    q->walk = 0;

    /* a small tree is cut below its deepest leaf (at most 64 leaves) */
    cut = q->kind == RP_QS_SMALL ? RP_MODEL_MAX_DEPTH
          : q->kind == RP_QS_BLOCKS ? tr->depth - RP_BLK_LEVELS : RP_QS_LEVELS;
    rp_qs_add(n, 0, 0, cut, w);

    for (l = 0, k = 0; l < 2; l++) {
        q->n[l] = (uint16_t) w->n[l];
        for (i = 0; i < w->n[l]; i++, k++) {
            q->off[k] = w->off[l][i];
            q->thr[k] = w->thr[l][i];
            q->bits[k] = w->bits[l][i];
        }
    }

    for (k = 0; k < 64; k++) {
        i = k < w->nexits ? k : 0;         /* lanes past the rows read these */

        switch (q->kind) {
        case RP_QS_SMALL:
            memcpy(&q->exit[k], k < w->nexits ? &w->leaf[k] : &zero, 4);
            break;
        case RP_QS_BLOCKS:
            q->exit[k] = (int32_t) ((*nb + i) * sizeof(rp_qs_block_t));
            break;
        default:
            q->exit[k] = (int32_t) (tr->first + w->exit[i]);
        }
    }

    if (q->kind == RP_QS_BLOCKS) {
        for (k = 0; k < w->nexits; k++) {
            rp_qs_fill(m, n, w->exit[k], 0, &blocks[*nb + k]);
        }
        *nb += w->nexits;
    }

    if (q->kind == RP_QS_WALK) {
        q->walk = (uint16_t) (tr->depth - RP_QS_LEVELS);
    }
}


/*
 * rp_model_t.qs: the QuickScorer parts of every tree and the blocks, in
 * one allocation, for the AVX-512 batch path (NULL without AVX-512). The
 * blocks are addressed by int32 byte offsets: with more than 2 GB of them
 * the deep trees walk instead.
 */
static int
rp_qs_build(rp_model_t *m)
{
    struct rp_qs_s   *qs;
    rp_qs_tmp_t       w;
    size_t            size, nb = 0, k;
    uint32_t          t, nt = m->hdr->n_trees;
    void             *p;

    if (rp_cpu_simd() < 2) {
        return 0;                       /* the batch path will not run */
    }

    for (t = 0; t < nt; t++) {
        if (rp_qs_kind(m, t, 1) == RP_QS_BLOCKS) {
            nb += rp_qs_count(m->nodes + m->trees[t].first, 0, 0,
                              m->trees[t].depth - RP_BLK_LEVELS);
        }
    }
    if (nb * sizeof(rp_qs_block_t) > INT32_MAX) {
        nb = 0;
    }

    size = 64 + (size_t) nt * sizeof(rp_qs_tree_t) + nb * sizeof(rp_qs_block_t);
    if (posix_memalign(&p, 64, size) != 0) {
        return -1;
    }
    memset(p, 0, size);

    qs = p;
    qs->trees = (rp_qs_tree_t *) ((char *) p + 64);
    qs->blocks = (rp_qs_block_t *) (qs->trees + nt);
    qs->lg = rp_chunk_lg(m->hdr->n_features);
    qs->size = size;

    w.lg = qs->lg;
    k = 0;
    for (t = 0; t < nt; t++) {
        rp_qs_tree(m, t, &w, &qs->trees[t], nb ? qs->blocks : NULL, &k);
    }
    qs->nblocks = k;

    m->qs = qs;
    return 0;
}


size_t
rp_model_tables_size(const rp_model_t *m)
{
    return m->qs != NULL ? m->qs->size : 0;
}


/* One masked step of 16 walks below the exits; returns those still
 * walking. A lane that reads a leaf's split leaves the mask. */
RP_AVX512 static inline __mmask16
rp_step16(const int *b, __m512i *idx, __m512i *split, __mmask16 k,
    __m512i first, const float *xc, __m512i row, __m512i lg)
{
    __m512i    off, right, fo, next;
    __m512     thr, v;
    __mmask16  go, un, dl;

    off = _mm512_add_epi32(*idx, _mm512_slli_epi32(*idx, 1));     /* idx * 3 */

    *split = _mm512_mask_i32gather_epi32(*split, k, off, b, 4);
    k = _mm512_mask_cmpneq_epi32_mask(k, *split, _mm512_set1_epi32(-1));

    thr = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, off, b + 1, 4);
    right = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), k, off, b + 2, 4);

    fo = _mm512_add_epi32(row, _mm512_sllv_epi32(
             _mm512_and_si512(*split, _mm512_set1_epi32(RP_FMASK)), lg));
    v = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), k, fo, xc, 4);

    /* left iff v < threshold, or v is NaN and the default is left */
    go = _mm512_mask_cmp_ps_mask(k, v, thr, _CMP_LT_OQ);
    un = _mm512_mask_cmp_ps_mask(k, v, v, _CMP_UNORD_Q);
    dl = _mm512_mask_test_epi32_mask(k, *split,
                                     _mm512_set1_epi32((int) RP_NODE_DEFAULT_LEFT));
    go = _mm512_kor(go, _mm512_kand(un, dl));

    next = _mm512_mask_blend_epi32(go, _mm512_add_epi32(first, right),
                                   _mm512_add_epi32(*idx, _mm512_set1_epi32(1)));
    *idx = _mm512_mask_mov_epi32(*idx, k, next);

    return k;
}


/* A row's keys for the blocks (rp_key, vectorized) from its nf <= 32
 * features in model order (row holds 32 floats): [0, 32) with NaN below
 * every key, [32, 64) above. */
RP_AVX512 static inline void
rp_row_keys(const float *row, uint32_t nf, int32_t *rk)
{
    __m512     x;
    __m512i    b, k;
    __mmask16  nan;
    uint32_t   h, left;

    for (h = 0; h < 2; h++) {
        left = nf > 16 * h ? nf - 16 * h : 0;
        x = _mm512_maskz_loadu_ps((__mmask16) (left >= 16 ? 0xffff
                                               : (1u << left) - 1),
                                  row + 16 * h);
        x = _mm512_add_ps(x, _mm512_setzero_ps());               /* -0 -> +0 */
        b = _mm512_castps_si512(x);
        k = _mm512_xor_si512(b, _mm512_srli_epi32(_mm512_srai_epi32(b, 31), 1));
        nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);

        _mm512_storeu_si512(rk + 16 * h,
            _mm512_mask_mov_epi32(k, nan, _mm512_set1_epi32(INT32_MIN)));
        _mm512_storeu_si512(rk + RP_BLK_FEATURES + 16 * h,
            _mm512_mask_mov_epi32(k, nan, _mm512_set1_epi32(INT32_MAX)));
    }
}


RP_AVX512 static inline __m512i rp_lookup64(const void *t, __m512i idx);


/*
 * The leaf of one row (its keys rk) in one block: each vector of nodes
 * picks its keys from the row's 64 (rp_lookup64: 32 features, both NaN
 * rules) and compares once; then the walk down
 * the mask of right turns, the first three levels by table. About 33
 * instructions a row and tree, no gather: 175 ns per row for the 100
 * trees of the synthetic forest, where 4 levels of gathers took 450.
 * (The same with floats, two compares for the two NaN rules and the
 * walk bit by bit, blocks of 4 levels below a cut at 6: about 250.)
 */
RP_AVX512 static inline float
rp_qs_block(const rp_qs_block_t *b, const int32_t *rk)
{
    __m512i   x;
    uint32_t  r = 0, i, v;

    _Pragma("GCC unroll 2")
    for (v = 0; v < RP_BLK_VECS; v++) {
        x = rp_lookup64(rk, _mm512_cvtepu8_epi32(
                _mm_loadu_si128((const __m128i *) (b->idx + 16 * v))));
        r |= (uint32_t) _mm512_cmpge_epi32_mask(x,
                 _mm512_loadu_si512(b->tk + 16 * v)) << (16 * v);
    }

    i = rp_blk_walk3[r & 127];

    _Pragma("GCC unroll 4")
    for (v = 3; v < RP_BLK_LEVELS; v++) {
        i = 2 * i + 1 + ((r >> i) & 1);
    }

    return b->leaf[i - RP_BLK_NODES];
}


/* The exit (0..63) of each lane: the lowest bit left, 63 - lzcnt(m & -m). */
RP_AVX512 static inline __m512i
rp_qs_exit(__m512i lo, __m512i hi)
{
    lo = _mm512_and_si512(lo, _mm512_sub_epi64(_mm512_setzero_si512(), lo));
    hi = _mm512_and_si512(hi, _mm512_sub_epi64(_mm512_setzero_si512(), hi));
    lo = _mm512_sub_epi64(_mm512_set1_epi64(63), _mm512_lzcnt_epi64(lo));
    hi = _mm512_sub_epi64(_mm512_set1_epi64(63), _mm512_lzcnt_epi64(hi));

    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                              _mm512_cvtepi64_epi32(hi), 1);
}


/* t[idx] for a 64-entry table of 32-bit values: two 32-entry lookups, and
 * bit 5 of idx picks one. */
RP_AVX512 static inline __m512i
rp_lookup64(const void *t, __m512i idx)
{
    const int  *p = t;
    __m512i     a, b;

    a = _mm512_permutex2var_epi32(_mm512_loadu_si512(p), idx,
                                  _mm512_loadu_si512(p + 16));
    b = _mm512_permutex2var_epi32(_mm512_loadu_si512(p + 32), idx,
                                  _mm512_loadu_si512(p + 48));

    return _mm512_mask_blend_epi32(_mm512_test_epi32_mask(idx, _mm512_set1_epi32(32)),
                                   a, b);
}


RP_AVX512 static inline void
rp_acc16(double *acc, __m512 val)
{
    _mm512_storeu_pd(acc, _mm512_add_pd(_mm512_loadu_pd(acc),
                         _mm512_cvtps_pd(_mm512_castps512_ps256(val))));
    _mm512_storeu_pd(acc + 8, _mm512_add_pd(_mm512_loadu_pd(acc + 8),
                         _mm512_cvtps_pd(_mm256_castpd_ps(
                             _mm512_extractf64x4_pd(_mm512_castps_pd(val), 1)))));
}


/* Exit sets of nv x 16 rows from r: 2 x 8 lanes of 64 bits per vector;
 * nodes [from, to) of the tree, all with the same compare. */
#define RP_QS_APPLY(from, to, pred)                                          \
    for (i = from; i < to; i++) {                                            \
        x = xc + q->off[i] + r;                                              \
        thr = _mm512_set1_ps(q->thr[i]);                                     \
        bits = _mm512_set1_epi64((long long) q->bits[i]);                    \
        _Pragma("GCC unroll 8")                                              \
        for (v = 0; v < nv; v++) {                                           \
            go = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16 * v), thr, pred); \
            ms[2 * v] = _mm512_mask_andnot_epi64(ms[2 * v], (__mmask8) go,   \
                                                 bits, ms[2 * v]);           \
            ms[2 * v + 1] = _mm512_mask_andnot_epi64(ms[2 * v + 1],          \
                                (__mmask8) (go >> 8), bits, ms[2 * v + 1]);  \
        }                                                                    \
    }

/* The same with at most 32 exits: one vector of 16 sets of 32 bits. */
#define RP_QS_APPLY32(from, to, pred)                                        \
    for (i = from; i < to; i++) {                                            \
        x = xc + q->off[i] + r;                                              \
        thr = _mm512_set1_ps(q->thr[i]);                                     \
        bits = _mm512_set1_epi32((int) (uint32_t) q->bits[i]);               \
        _Pragma("GCC unroll 8")                                              \
        for (v = 0; v < nv; v++) {                                           \
            go = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + 16 * v), thr, pred); \
            ms[v] = _mm512_mask_andnot_epi32(ms[v], go, bits, ms[v]);        \
        }                                                                    \
    }

/*
 * Adds one tree's leaves for rows [r, r + 16 nv) to acc (nv is a constant
 * where this is inlined, so the sets stay in registers). Lanes past cn
 * compute garbage that is never read.
 */
RP_AVX512 static inline __attribute__((always_inline)) void
rp_qs_group(const rp_model_t *m, const rp_qs_tree_t *q, const float *xc,
    size_t r, size_t cn, uint32_t nv, double *acc)
{
    const int    *b = (const int *) m->nodes;
    const float  *x;
    uint32_t      i, v, step;
    __m512i       ms[8], bits, idx[4], split[4], lane, row[4], lg, first;
    __m512        thr;
    __mmask16     go, k[4], any;

    _Pragma("GCC unroll 8")
    for (v = 0; v < 2 * nv; v++) {
        ms[v] = _mm512_set1_epi64(-1);
    }

    /* the NaN rule is in the compare: a default-left node goes right iff
     * x >= threshold (false for NaN), any other iff !(x < threshold) */
    RP_QS_APPLY(0, q->n[0], _CMP_NLT_UQ)
    RP_QS_APPLY(q->n[0], q->n[0] + q->n[1], _CMP_GE_OQ)

    if (q->kind == RP_QS_SMALL) {
        _Pragma("GCC unroll 8")
        for (v = 0; v < nv; v++) {
            idx[v] = rp_qs_exit(ms[2 * v], ms[2 * v + 1]);
            rp_acc16(acc + r + 16 * v,
                     _mm512_castsi512_ps(rp_lookup64(q->exit, idx[v])));
        }
        return;
    }

    /* a cut tree: walk on from the exits (nodes or leaves) */
    lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    lg = _mm512_set1_epi32((int32_t) m->qs->lg);
    first = _mm512_set1_epi32((int32_t) q->first);

    _Pragma("GCC unroll 8")
    for (v = 0; v < nv; v++) {
        idx[v] = rp_lookup64(q->exit, rp_qs_exit(ms[2 * v], ms[2 * v + 1]));
        split[v] = _mm512_set1_epi32(-1);
        row[v] = _mm512_add_epi32(lane, _mm512_set1_epi32((int32_t) (r + 16 * v)));
        k[v] = _mm512_cmplt_epu32_mask(row[v], _mm512_set1_epi32((int32_t) cn));
    }

    for (step = 0; step < q->walk; step++) {
        any = 0;
        _Pragma("GCC unroll 8")
        for (v = 0; v < nv; v++) {
            k[v] = rp_step16(b, &idx[v], &split[v], k[v], first, xc, row[v], lg);
            any = _mm512_kor(any, k[v]);
        }
        if (any == 0) {
            break;                          /* all lanes at leaves */
        }
    }

    _Pragma("GCC unroll 8")
    for (v = 0; v < nv; v++) {
        idx[v] = _mm512_add_epi32(idx[v], _mm512_slli_epi32(idx[v], 1));
        rp_acc16(acc + r + 16 * v, _mm512_i32gather_ps(idx[v], b + 1, 4));
    }
}


/*
 * The same for a BLOCKS tree: the top (at most 32 exits) as above, then
 * each row through the block of its exit. rk: the rows' keys.
 */
RP_AVX512 static inline __attribute__((always_inline)) void
rp_qs_blocks(const rp_model_t *m, const rp_qs_tree_t *q, const float *xc,
    const int32_t *rk, size_t r, size_t cn, uint32_t nv, double *acc)
{
    const char   *bl = (const char *) m->qs->blocks;
    const float  *x;
    uint32_t      i, v, end;
    int32_t       off[64];
    __m512i       ms[4], bits, e;
    __m512        thr;
    __mmask16     go;

    _Pragma("GCC unroll 4")
    for (v = 0; v < nv; v++) {
        ms[v] = _mm512_set1_epi32(-1);
    }

    RP_QS_APPLY32(0, q->n[0], _CMP_NLT_UQ)
    RP_QS_APPLY32(q->n[0], q->n[0] + q->n[1], _CMP_GE_OQ)

    _Pragma("GCC unroll 4")
    for (v = 0; v < nv; v++) {
        e = _mm512_and_si512(ms[v], _mm512_sub_epi32(_mm512_setzero_si512(), ms[v]));
        e = _mm512_sub_epi32(_mm512_set1_epi32(31), _mm512_lzcnt_epi32(e));
        _mm512_storeu_si512(off + 16 * v, _mm512_permutex2var_epi32(
            _mm512_loadu_si512(q->exit), e, _mm512_loadu_si512(q->exit + 16)));
    }

    end = cn - r < 16 * nv ? (uint32_t) (cn - r) : 16 * nv;
    for (i = 0; i < end; i++) {
        acc[r + i] += rp_qs_block((const rp_qs_block_t *) (bl + off[i]),
                                  rk + (r + i) * 2 * RP_BLK_FEATURES);
    }
}


/* A chunk of cn rows, feature major (row stride 1 << m->qs->lg) in xc,
 * into acc. */
RP_AVX512 static void
rp_model_chunk_avx512(const rp_model_t *m, const float *xc, size_t cn,
    double *acc)
{
    const rp_qs_tree_t  *q;
    uint32_t             t, j, nt = m->hdr->n_trees, nf = m->hdr->n_features;
    size_t               r;
    int32_t              rk[RP_CHUNK_MAX * 2 * RP_BLK_FEATURES];
    float                xr[RP_BLK_FEATURES];

    if (m->qs->nblocks != 0) {
        /* blocks exist only for models of at most RP_BLK_FEATURES */
        for (r = 0; r < cn; r++) {
            for (j = 0; j < nf; j++) {
                xr[j] = xc[(j << m->qs->lg) + r];
            }
            rp_row_keys(xr, nf, rk + r * 2 * RP_BLK_FEATURES);
        }
    }

    for (t = 0; t < nt; t++) {
        q = &m->qs->trees[t];

        /* groups of 64 rows, the rest by 32 and 16: no idle vector */
        if (q->kind == RP_QS_BLOCKS) {
            for (r = 0; r + 64 <= cn; r += 64) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 4, acc);
            }
            for (; r + 16 < cn; r += 32) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 2, acc);
            }
            if (r < cn) {
                rp_qs_blocks(m, q, xc, rk, r, cn, 1, acc);
            }
            continue;
        }

        for (r = 0; r + 64 <= cn; r += 64) {
            rp_qs_group(m, q, xc, r, cn, 4, acc);
        }
        for (; r + 16 < cn; r += 32) {
            rp_qs_group(m, q, xc, r, cn, 2, acc);
        }
        if (r < cn) {
            rp_qs_group(m, q, xc, r, cn, 1, acc);
        }
    }
}

#else

/* no AVX-512 path: no tables */
static int
rp_qs_build(rp_model_t *m)
{
    (void) m;
    return 0;
}


size_t
rp_model_tables_size(const rp_model_t *m)
{
    (void) m;
    return 0;
}

#endif



/* Margin of one row in model order (x has RP_MODEL_MAX_FEATURES floats). */
static double
rp_model_margin(const rp_model_t *m, const float *x)
{
    const rp_node_t  *n[RP_LANES];
    const rp_tree_t  *tr = m->trees;
    uint32_t          t, nt = m->hdr->n_trees, i[RP_LANES], k, lanes, d, step;
    double            margin = m->hdr->base_margin;

#ifdef RP_AVX2_PATH
    if (rp_avx2()) {
        return rp_model_margin_avx2(m, x);
    }
#endif

    for (t = 0; t < nt; t += lanes) {
        lanes = nt - t < RP_LANES ? nt - t : RP_LANES;
        d = 0;

        for (k = 0; k < RP_LANES; k++) {
            /* spare lanes re-walk the group's first tree and are ignored */
            n[k] = m->nodes + tr[t + (k < lanes ? k : 0)].first;
            i[k] = 0;
            if (k < lanes && tr[t + k].depth > d) {
                d = tr[t + k].depth;
            }
        }

        for (step = 0; step < d; step++) {
            for (k = 0; k < RP_LANES; k++) {
                i[k] = rp_step(n[k], i[k], x);
            }
        }

        for (k = 0; k < lanes; k++) {
            margin += n[k][i[k]].value;
        }
    }

    return margin;
}


void
rp_model_simd(int on)
{
#ifdef RP_AVX2_PATH
    rp_simd = on ? -1 : 0;
    rp_simd_max = on == 2 ? 1 : 2;
#else
    (void) on;
#endif
}


static double
rp_sigmoid(double margin)
{
    return 1.0 / (1.0 + exp(-margin));
}


double
rp_model_score_raw(const rp_model_t *m, const float *x)
{
    float     buf[RP_MODEL_MAX_FEATURES];
    uint32_t  j;

    for (j = 0; j < RP_MODEL_MAX_FEATURES; j++) {
        buf[j] = j < m->hdr->n_features ? x[j] : 0;
    }

    return rp_sigmoid(rp_model_margin(m, buf));
}


/* Table order -> model order, padded to RP_MODEL_MAX_FEATURES floats. */
static inline void
rp_model_gather(const rp_model_t *m, const float *features, float *x)
{
    uint32_t  j;

    for (j = 0; j < m->hdr->n_features; j++) {
        x[j] = features[m->feat_map[j]];
    }
    for (; j < RP_MODEL_MAX_FEATURES; j++) {
        x[j] = 0;
    }
}


double
rp_model_score(const rp_model_t *m, const float *features)
{
    float  x[RP_MODEL_MAX_FEATURES];

    rp_model_gather(m, features, x);

    return rp_sigmoid(rp_model_margin(m, x));
}


/*
 * Large batches (thousands of rows, the trainer's evaluation) without
 * AVX-512: each tree is walked by every row in turn, so the tree stays in
 * L1 for the whole pass and the plain branchy walk wins over the padded
 * branch-free lanes (bench/RESULTS.md has the measurements behind
 * RP_WIDE_BATCH). With AVX-512 every batch takes rp_model_score_batch512.
 */

#define RP_WIDE_BATCH  1024
#define RP_FEW_ROWS          24    /* below: row by row */
#define RP_FEW_ROWS_AVX512   3

static void
rp_model_score_wide(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    const rp_node_t  *nodes;
    const float      *x;
    uint32_t          t, i, s;
    size_t            r;
    float             v;

    for (r = 0; r < n; r++) {
        out[r] = m->hdr->base_margin;
    }

    for (t = 0; t < m->hdr->n_trees; t++) {
        nodes = m->nodes + m->trees[t].first;

        for (r = 0; r < n; r++) {
            x = rows + r * RP_NFEATURES;
            i = 0;
            while ((s = nodes[i].split) != RP_NODE_LEAF) {
                v = x[m->feat_map[s & RP_NODE_FEATURE_MASK]];
                /* a real branch: mostly predictable here, and
                 * speculation cuts the chain of dependent loads */
                if (v < nodes[i].value || (isnan(v) && (s & RP_NODE_DEFAULT_LEFT))) {
                    i++;
                } else {
                    i = nodes[i].right;
                }
            }
            out[r] += nodes[i].value;
        }
    }

    for (r = 0; r < n; r++) {
        out[r] = rp_sigmoid(out[r]);
    }
}


#ifdef RP_AVX2_PATH

/*
 * The AVX-512 batch: rows go feature major into chunks (see rp_qs_group),
 * as many rows as the buffer holds for the model's features, in a power
 * of two, so that per-tree work is shared by many rows. (512 rows a chunk
 * measured the same as 256, with twice the stack.)
 */
static void
rp_model_score_batch512(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    float     xc[RP_XC_FLOATS];
    double    acc[RP_CHUNK_MAX];
    uint32_t  j, nf = m->hdr->n_features, lg = m->qs->lg;
    size_t    c, r, cn, ch, pad;

    ch = (size_t) 1 << lg;

    for (c = 0; c < n; c += ch) {
        cn = n - c < ch ? n - c : ch;
        pad = (cn + 15) / 16 * 16;

        for (j = 0; j < nf; j++) {
            for (r = 0; r < cn; r++) {
                xc[(j << lg) + r] = rows[(c + r) * RP_NFEATURES + m->feat_map[j]];
            }
            for (; r < pad; r++) {
                xc[(j << lg) + r] = 0;       /* whole vectors are read */
            }
        }
        for (r = 0; r < pad; r++) {
            acc[r] = m->hdr->base_margin;
        }

        rp_model_chunk_avx512(m, xc, cn, acc);

        for (r = 0; r < cn; r++) {
            out[c + r] = rp_sigmoid(acc[r]);
        }
    }
}

#endif


void
rp_model_score_batch(const rp_model_t *m, const float *rows, size_t n,
    double *out)
{
    enum { CHUNK = 64 };
    float             x[CHUNK][RP_MODEL_MAX_FEATURES];
    const rp_node_t  *nodes;
    uint32_t          t, nt = m->hdr->n_trees, i[RP_LANES], k, d, step;
    size_t            c, r, cn, rr, few;

    /* A few rows: one at a time through the single-row path, whose lanes
     * are trees; the batch paths' lanes are rows and would mostly idle.
     * With AVX-512 (its tables built at load) the batch wins from 3 rows:
     * per row, default model 1837 ns batched vs 1384 one by one at 2
     * rows, 1246 vs 1386 at 3, 476 vs 1424 at 8; synthetic depth-10
     * forest 1458 vs 1600 at 3. With AVX2 the batch overtakes at 24 rows
     * (1097 ns). */
    few = RP_FEW_ROWS;

#ifdef RP_AVX2_PATH
    if (rp_avx512()) {
        few = RP_FEW_ROWS_AVX512;
        if (n >= few && m->qs != NULL) {
            rp_model_score_batch512(m, rows, n, out);
            return;
        }
    }
#endif

    if (n < few) {
        for (r = 0; r < n; r++) {
            out[r] = rp_model_score(m, rows + r * RP_NFEATURES);
        }
        return;
    }

    if (n >= RP_WIDE_BATCH) {
        rp_model_score_wide(m, rows, n, out);
        return;
    }

    for (c = 0; c < n; c += CHUNK) {
        cn = n - c < CHUNK ? n - c : CHUNK;

        for (r = 0; r < cn; r++) {
            rp_model_gather(m, rows + (c + r) * RP_NFEATURES, x[r]);
            out[c + r] = m->hdr->base_margin;
        }

#ifdef RP_AVX2_PATH
        if (rp_avx2()) {
            rp_model_chunk_avx2(m, &x[0][0], cn, out + c);
            continue;
        }
#endif

        /* trees outside, rows inside: each tree stays hot across the chunk */
        for (t = 0; t < nt; t++) {
            nodes = m->nodes + m->trees[t].first;
            d = m->trees[t].depth;

            for (r = 0; r < cn; r += RP_LANES) {
                for (k = 0; k < RP_LANES; k++) {
                    i[k] = 0;
                }
                for (step = 0; step < d; step++) {
                    for (k = 0; k < RP_LANES; k++) {
                        /* spare lanes past the chunk re-walk its last row */
                        rr = r + k < cn ? r + k : cn - 1;
                        i[k] = rp_step(nodes, i[k], x[rr]);
                    }
                }
                for (k = 0; k < RP_LANES && r + k < cn; k++) {
                    out[c + r + k] += nodes[i[k]].value;
                }
            }
        }
    }

    for (r = 0; r < n; r++) {
        out[r] = rp_sigmoid(out[r]);
    }
}


const char *
rp_confidence(double p)
{
    return p < RP_CONF_MEDIUM ? "low" : (p < RP_CONF_HIGH ? "medium" : "high");
}
