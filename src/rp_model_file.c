/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_model_file.c: the model file: its writer, loader and validator, and
 * the product priors section (format and semantics in rp_model.h). The
 * scorer is in rp_model_score.c; the loader builds the AVX-512 tables and
 * picks the model's kernels once.
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
#include <zlib.h>

#include "rp_explain.h"
#include "rp_model_kernels.h"


#define RP_ALIGN8(n)   (((n) + 7) & ~(size_t) 7)
#define RP_HDR_SIZE    sizeof(rp_model_header_t)

typedef char rp_check_node_size[sizeof(rp_node_t) == 12 ? 1 : -1];
typedef char rp_check_tree_size[sizeof(rp_tree_t) == 16 ? 1 : -1];
typedef char rp_check_hdr_size[sizeof(rp_model_header_t) == 256 ? 1 : -1];
typedef char rp_check_prior_n[RP_MODEL_PRIOR_N == RP_PRIOR_N ? 1 : -1];


static int
rp_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
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


/*
 * zlib's crc32() has the same polynomial and conditioning as the format's
 * (IEEE 802.3), and is already in every process that loads a model: nginx
 * links zlib.
 */
uint32_t
rp_crc32(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char  *p = buf;
    uInt                  n;

    /* crc32() takes an unsigned int length: feed it in pieces */
    while (len > 0) {
        n = len > 0x40000000u ? 0x40000000u : (uInt) len;
        crc = (uint32_t) crc32(crc, p, n);
        p += n;
        len -= n;
    }

    return crc;
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
                        ids_len = 0, cover_off = 0;
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

    if (s->cover != NULL) {
        cover_off = RP_ALIGN8(size);
        size = cover_off + (size_t) total * sizeof(float);
        if (size > UINT32_MAX) {
            free(slots);
            return rp_fail(err, errlen, "model of %zu bytes is too large",
                           size);
        }
    }

    img = calloc(1, size);
    if (img == NULL) {
        free(slots);
        return rp_fail(err, errlen, "out of memory for %zu bytes", size);
    }

    h = (rp_model_header_t *) img;
    memcpy(h->magic, RP_MODEL_MAGIC, 4);
    h->format = s->cover != NULL ? RP_MODEL_FORMAT_V3
                : (slots != NULL ? RP_MODEL_FORMAT : RP_MODEL_FORMAT_V1);
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

    if (s->cover != NULL) {
        h->cover_off = (uint32_t) cover_off;
        memcpy(img + cover_off, s->cover, (size_t) total * sizeof(float));
    }

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
    return rp_id_hash(s, len);
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

    return RP_ALIGN8(((size_t) m->hdr->n_priors + 1) * RP_MODEL_PRIOR_N
                     * sizeof(float))
           + (size_t) m->hdr->prior_slots * sizeof(rp_prior_slot_t)
           + m->hdr->prior_ids_len;
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
    int                       idx, has_priors;
    char                      ebuf[160];
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
    if (h->format != RP_MODEL_FORMAT && h->format != RP_MODEL_FORMAT_V1
        && h->format != RP_MODEL_FORMAT_V3)
    {
        return rp_fail(err, errlen, "unsupported format version %u (this build "
                       "reads %u to %u)", h->format, RP_MODEL_FORMAT_V1,
                       RP_MODEL_FORMAT_V3);
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

    has_priors = h->format == RP_MODEL_FORMAT
                 || (h->format == RP_MODEL_FORMAT_V3 && h->priors_off != 0);

    if (h->format == RP_MODEL_FORMAT_V3 && !has_priors
        && (h->n_priors != 0 || h->prior_n != 0
            || h->prior_slots != 0 || h->prior_ids_len != 0))
    {
        return rp_fail(err, errlen, "prior fields set in a model without "
                       "a prior section");
    }

    if (has_priors) {
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
    if (h->format == RP_MODEL_FORMAT_V3) {
        if (h->cover_off != RP_ALIGN8(need)) {
            return rp_fail(err, errlen, "cover section offset %u does not "
                           "follow the sections before it", h->cover_off);
        }
        need = h->cover_off + (size_t) h->n_nodes * sizeof(float);
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
            && !has_priors)
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

    if (has_priors) {
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

    if (h->format == RP_MODEL_FORMAT_V3
        && rp_explain_build(m, (const float *) (img + h->cover_off), ebuf,
                            sizeof(ebuf)) != 0)
    {
        memset(m, 0, sizeof(*m));
        return rp_fail(err, errlen, "covers: %s", ebuf);
    }

    if (rp_model_avx512_build(m) != 0) {
        rp_explain_free(m);
        memset(m, 0, sizeof(*m));
        return rp_fail(err, errlen, "out of memory for the scorer's tables");
    }

    rp_model_pick(m);

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
    rp_explain_free(m);

    memset(m, 0, sizeof(*m));
}
