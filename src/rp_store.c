/*
 * rp_store.c: the feature store's key layout, update script and reply
 * parsing (see rp_store.h for the layout).
 */

#include <stdio.h>
#include <string.h>

#include "rp_sha1.h"
#include "rp_store.h"


/*
 * The update of one user's events, atomic in Redis. The rules are those of
 * rp_state_apply() in rp_features.c, applied to every event whose id the
 * replay guard had not seen; tests/test_store_redis.c checks that the
 * store reaches the in-memory state in any order and grouping.
 *
 * The events' effects are summed in Lua and written with one command per
 * field, so a group of k events costs k SADDs plus about as many writes as
 * one event: each redis.call costs about 0.6 us besides the command, the
 * script call itself about 1 us. Measured with rp-consumer (Redis 7.0,
 * 300k events of 20k users, 2.8 events per user in a batch of 1000),
 * interleaved runs: one event per call 8.2-10.3 us of Redis CPU per event,
 * grouped 5.8-6.1 us.
 *
 * Amounts are integer cents, exact in Lua's doubles up to 2^53; a product's
 * purchase count crossing 2 counts one more repeat product (rn), as one
 * event at a time would. Products are written in their order of first
 * appearance, so the effects do not depend on Lua's table order.
 */
const char RP_STORE_UPDATE_LUA[] =
    "-- rp feature store: apply the events of one user (rp_store.h)\n"
    "local u, seen, ttl = KEYS[1], KEYS[2], tonumber(ARGV[1])\n"
    "local n, s, vn, pn, ps, lo, hi, lp = 0, 0, 0, 0, 0, nil, nil, nil\n"
    "local vc, bc, vp, bp = {}, {}, {}, {}\n"
    "local done, bit = 0, 1\n"
    "for i = 2, #ARGV, 5 do\n"
    "  if redis.call('SADD', seen, ARGV[i]) == 1 then\n"
    "    local t, a, p = ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 4]\n"
    "    done = done + bit\n"
    "    n = n + 1\n"
    "    s = s + a\n"
    "    if not lo or a < lo then lo = a end\n"
    "    if not hi or a > hi then hi = a end\n"
    "    if t == '0' then\n"
    "      vn = vn + 1\n"
    "      if not vc[p] then vc[p] = 0; vp[#vp + 1] = p end\n"
    "      vc[p] = vc[p] + 1\n"
    "    elseif t == '2' then\n"
    "      local ts = tonumber(ARGV[i + 3])\n"
    "      pn = pn + 1\n"
    "      ps = ps + a\n"
    "      if not lp or ts > lp then lp = ts end\n"
    "      if not bc[p] then bc[p] = 0; bp[#bp + 1] = p end\n"
    "      bc[p] = bc[p] + 1\n"
    "    end\n"
    "  end\n"
    "  bit = bit * 2\n"
    "end\n"
    "if n == 0 then return 0 end\n"
    "local old = redis.call('HMGET', u, 'lo', 'hi', 'lp')\n"
    "local set = {}\n"
    "if not old[1] or lo < tonumber(old[1]) then\n"
    "  set[#set + 1] = 'lo'; set[#set + 1] = string.format('%d', lo) end\n"
    "if not old[2] or hi > tonumber(old[2]) then\n"
    "  set[#set + 1] = 'hi'; set[#set + 1] = string.format('%d', hi) end\n"
    "if lp and (not old[3] or lp > tonumber(old[3])) then\n"
    "  set[#set + 1] = 'lp'; set[#set + 1] = string.format('%d', lp) end\n"
    "if #set > 0 then redis.call('HSET', u, unpack(set)) end\n"
    "redis.call('HINCRBY', u, 'n', n)\n"
    "redis.call('HINCRBY', u, 's', string.format('%d', s))\n"
    "if vn > 0 then redis.call('HINCRBY', u, 'vn', vn) end\n"
    "for _, p in ipairs(vp) do redis.call('HINCRBY', u, 'p:' .. p .. ':v', vc[p]) end\n"
    "if pn > 0 then\n"
    "  local rn = 0\n"
    "  redis.call('HINCRBY', u, 'pn', pn)\n"
    "  redis.call('HINCRBY', u, 'ps', string.format('%d', ps))\n"
    "  for _, p in ipairs(bp) do\n"
    "    local b = redis.call('HINCRBY', u, 'p:' .. p .. ':b', bc[p])\n"
    "    if b >= 2 and b - bc[p] < 2 then rn = rn + 1 end\n"
    "  end\n"
    "  if rn > 0 then redis.call('HINCRBY', u, 'rn', rn) end\n"
    "end\n"
    "if ttl > 0 then\n"
    "  redis.call('EXPIRE', u, ARGV[1])\n"
    "  redis.call('EXPIRE', seen, ARGV[1])\n"
    "end\n"
    "return done\n";

static const char *const rp_store_user_fields[RP_STORE_USER_FIELDS] = {
    "n", "s", "lo", "hi", "pn", "ps", "vn", "rn", "lp"
};


void
rp_store_script_sha(char out[41])
{
    rp_sha1_hex(RP_STORE_UPDATE_LUA, sizeof(RP_STORE_UPDATE_LUA) - 1, out);
}


size_t
rp_store_user_key(const char *user, size_t ulen, char *buf, size_t size)
{
    size_t  n = sizeof(RP_STORE_PREFIX) - 1 + ulen + 2;

    if (n >= size) {
        return 0;
    }

    memcpy(buf, RP_STORE_PREFIX "{", sizeof(RP_STORE_PREFIX));
    memcpy(buf + sizeof(RP_STORE_PREFIX), user, ulen);
    buf[n - 1] = '}';
    buf[n] = '\0';

    return n;
}


/*
 * Appends a NUL-terminated copy of s as an argument: *p is the next free
 * byte of the command's buffer (which ends at end), argv/argvlen/argc its
 * argument vector of at most max entries. Both command types use it.
 */
static int
rp_store_put(int *argc, const char **argv, size_t *argvlen, int max,
    const char *end, char **p, const char *s, size_t len)
{
    if (*p + len + 1 > end || *argc == max) {
        return -1;
    }

    memcpy(*p, s, len);
    (*p)[len] = '\0';
    argv[*argc] = *p;
    argvlen[*argc] = len;
    (*argc)++;
    *p += len + 1;

    return 0;
}


static int
rp_store_arg(rp_store_cmd_t *cmd, char **p, const char *s, size_t len)
{
    return rp_store_put(&cmd->argc, cmd->argv, cmd->argvlen,
                        RP_STORE_ARGC_MAX, cmd->buf + sizeof(cmd->buf), p, s,
                        len);
}


static int
rp_store_static(rp_store_cmd_t *cmd, const char *s)
{
    if (cmd->argc == RP_STORE_ARGC_MAX) {
        return -1;
    }

    cmd->argv[cmd->argc] = s;
    cmd->argvlen[cmd->argc] = strlen(s);
    cmd->argc++;

    return 0;
}


int
rp_store_read_cmd(rp_store_cmd_t *cmd, const char *user, size_t ulen,
    const char *product, size_t plen)
{
    char    *p = cmd->buf, key[RP_STORE_KEY_MAX + 8];
    size_t   n;
    int      i;

    cmd->argc = 0;

    if (!rp_id_valid(user, ulen) || (plen > 0 && !rp_id_valid(product, plen))) {
        return -1;
    }

    n = rp_store_user_key(user, ulen, key, sizeof(key));

    if (rp_store_static(cmd, "HMGET") || rp_store_arg(cmd, &p, key, n)) {
        return -1;
    }

    for (i = 0; i < RP_STORE_USER_FIELDS; i++) {
        rp_store_static(cmd, rp_store_user_fields[i]);
    }

    if (plen > 0) {
        n = (size_t) snprintf(key, sizeof(key), "p:%.*s:v", (int) plen, product);
        if (rp_store_arg(cmd, &p, key, n)) {
            return -1;
        }
        key[n - 1] = 'b';
        if (rp_store_arg(cmd, &p, key, n)) {
            return -1;
        }
    }

    return 0;
}


uint64_t
rp_store_event_hash(const char *id, size_t len)
{
    uint64_t  h = 0xcbf29ce484222325ULL;            /* FNV-1a, 64 bits */
    size_t    i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) id[i];
        h *= 0x100000001b3ULL;
    }

    /* 63 bits: a non-negative int64, so Redis keeps small sets of them in
     * its compact integer encoding (intset) */
    return h >> 1;
}


void
rp_store_script_load_cmd(rp_store_cmd_t *cmd)
{
    cmd->argc = 0;
    rp_store_static(cmd, "SCRIPT");
    rp_store_static(cmd, "LOAD");
    cmd->argv[cmd->argc] = RP_STORE_UPDATE_LUA;
    cmd->argvlen[cmd->argc] = sizeof(RP_STORE_UPDATE_LUA) - 1;
    cmd->argc++;
}


int
rp_store_event_valid(const rp_event_t *ev)
{
    if (!rp_id_valid(ev->user_id, ev->user_id_len)
        || !rp_id_valid(ev->product_id, ev->product_id_len)
        || !rp_id_valid(ev->event_id, ev->event_id_len)
        || (unsigned) ev->type > RP_EVENT_PURCHASE
        || ev->amount_cents < 0
        /* the script sums a call's amounts in Lua doubles: 32 of these
         * stay far below 2^53, so the sums are exact */
        || ev->amount_cents > (int64_t) (RP_AMOUNT_MAX * 100))
    {
        return -1;
    }

    return 0;
}


static int
rp_store_uarg(rp_store_update_t *cmd, char **p, const char *s, size_t len)
{
    return rp_store_put(&cmd->argc, cmd->argv, cmd->argvlen,
                        RP_STORE_UPDATE_ARGC, cmd->buf + sizeof(cmd->buf), p,
                        s, len);
}


static int
rp_store_unum(rp_store_update_t *cmd, char **p, long long v)
{
    char  num[24];

    return rp_store_uarg(cmd, p, num,
                         (size_t) snprintf(num, sizeof(num), "%lld", v));
}


int
rp_store_update_cmd(rp_store_update_t *cmd, const rp_event_t *const *evs,
    size_t n, int64_t ttl, const char *sha)
{
    char               *p = cmd->buf, key[RP_STORE_KEY_MAX + 8];
    size_t              i, klen;
    int                 rc = 0;
    const rp_event_t   *ev;

    cmd->argc = 0;

    if (n == 0 || n > RP_STORE_GROUP_MAX || ttl < 0) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        if (rp_store_event_valid(evs[i]) != 0
            || evs[i]->user_id_len != evs[0]->user_id_len
            || memcmp(evs[i]->user_id, evs[0]->user_id,
                      evs[0]->user_id_len) != 0)
        {
            return -1;
        }
    }

    if (sha != NULL) {
        cmd->argv[0] = "EVALSHA";
        cmd->argvlen[0] = 7;
        cmd->argc = 1;
        rc |= rp_store_uarg(cmd, &p, sha, strlen(sha));
    } else {
        cmd->argv[0] = "EVAL";
        cmd->argvlen[0] = 4;
        cmd->argv[1] = RP_STORE_UPDATE_LUA;
        cmd->argvlen[1] = sizeof(RP_STORE_UPDATE_LUA) - 1;
        cmd->argc = 2;
    }

    cmd->argv[cmd->argc] = "2";
    cmd->argvlen[cmd->argc++] = 1;

    klen = rp_store_user_key(evs[0]->user_id, evs[0]->user_id_len, key,
                             sizeof(key));
    rc |= rp_store_uarg(cmd, &p, key, klen);
    memcpy(key + klen, ":seen", 6);
    rc |= rp_store_uarg(cmd, &p, key, klen + 5);
    rc |= rp_store_unum(cmd, &p, (long long) ttl);

    for (i = 0; i < n; i++) {
        ev = evs[i];
        rc |= rp_store_unum(cmd, &p, (long long) rp_store_event_hash(
                                         ev->event_id, ev->event_id_len));
        rc |= rp_store_unum(cmd, &p, (long long) ev->type);
        rc |= rp_store_unum(cmd, &p, (long long) ev->amount_cents);
        rc |= rp_store_unum(cmd, &p, (long long) ev->ts);
        rc |= rp_store_uarg(cmd, &p, ev->product_id, ev->product_id_len);
    }

    return rc ? -1 : 0;
}


/*
 * The plan: an open-addressing table from user id to group (the first
 * event of each user stands for it), then a counting sort by group, which
 * keeps the batch order inside each group.
 */

static size_t
rp_store_plan_slots(size_t n)
{
    size_t  s = 16;

    while (s < 2 * n) {
        s <<= 1;
    }

    return s;
}


size_t
rp_store_plan_words(size_t n)
{
    return rp_store_plan_slots(n) + 3 * n;
}


size_t
rp_store_plan(const rp_event_t *const *evs, size_t n, size_t per_call,
    uint32_t *order, uint32_t *ends, uint32_t *work)
{
    size_t             nslots = rp_store_plan_slots(n), i, h, ng = 0, nc = 0;
    size_t             g, pos, end;
    uint32_t          *slots = work, *grp = work + nslots;
    uint32_t          *first = grp + n, *start = first + n;
    const rp_event_t  *e, *f;

    if (n == 0) {
        return 0;
    }

    if (per_call == 0 || per_call > RP_STORE_GROUP_MAX) {
        per_call = RP_STORE_GROUP_MAX;
    }

    for (i = 0; i < nslots; i++) {
        slots[i] = UINT32_MAX;
    }

    for (i = 0; i < n; i++) {
        e = evs[i];
        h = (size_t) rp_store_event_hash(e->user_id, e->user_id_len)
            & (nslots - 1);

        for ( ;; ) {
            if (slots[h] == UINT32_MAX) {
                slots[h] = (uint32_t) ng;
                first[ng] = (uint32_t) i;
                start[ng] = 0;              /* a count for now */
                ng++;
                break;
            }
            f = evs[first[slots[h]]];
            if (f->user_id_len == e->user_id_len
                && memcmp(f->user_id, e->user_id, e->user_id_len) == 0)
            {
                break;
            }
            h = (h + 1) & (nslots - 1);
        }

        grp[i] = slots[h];
        start[slots[h]]++;
    }

    /* counts -> starts; each group cut into commands of per_call */
    for (g = 0, pos = 0; g < ng; g++) {
        end = pos + start[g];
        start[g] = (uint32_t) pos;
        for ( ; pos < end; pos += per_call) {
            ends[nc++] = (uint32_t) (end - pos > per_call ? pos + per_call
                                                          : end);
        }
        pos = end;
    }

    for (i = 0; i < n; i++) {
        order[start[grp[i]]++] = (uint32_t) i;
    }

    return nc;
}


/* A canonical decimal integer in [0, 2^62): what HINCRBY/HSET wrote. */
static int
rp_store_int(const rp_store_val_t *v, int64_t *out)
{
    int64_t  x = 0;
    size_t   i;

    if (v->len == 0 || v->len > 18 || (v->len > 1 && v->str[0] == '0')) {
        return -1;
    }

    for (i = 0; i < v->len; i++) {
        if (v->str[i] < '0' || v->str[i] > '9') {
            return -1;
        }
        x = x * 10 + (v->str[i] - '0');
    }

    *out = x;
    return 0;
}


int
rp_store_parse_read(const rp_store_val_t *vals, size_t n, rp_user_state_t *u,
    rp_pair_state_t *p, int *found, char *err, size_t errlen)
{
    int64_t  *dst[RP_STORE_READ_FIELDS];
    int64_t   dummy_v = 0, dummy_b = 0;
    size_t    i;

    if (n != RP_STORE_USER_FIELDS && n != RP_STORE_READ_FIELDS) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "expected %d or %d values, got %zu",
                     RP_STORE_USER_FIELDS, RP_STORE_READ_FIELDS, n);
        }
        return -1;
    }

    rp_user_state_init(u);
    if (p != NULL) {
        p->views = 0;
        p->purchases = 0;
    }
    *found = 0;

    dst[0] = &u->event_count;
    dst[1] = &u->amount_sum;
    dst[2] = &u->amount_min;
    dst[3] = &u->amount_max;
    dst[4] = &u->purchase_count;
    dst[5] = &u->purchase_sum;
    dst[6] = &u->view_count;
    dst[7] = &u->repeat_products;
    dst[8] = &u->last_purchase;
    dst[9] = p ? &p->views : &dummy_v;
    dst[10] = p ? &p->purchases : &dummy_b;

    for (i = 0; i < n; i++) {
        if (vals[i].str == NULL) {
            continue;
        }
        if (rp_store_int(&vals[i], dst[i]) != 0) {
            if (err != NULL && errlen > 0) {
                snprintf(err, errlen, "stored field \"%s\" is not a counter",
                         i < RP_STORE_USER_FIELDS ? rp_store_user_fields[i]
                         : (i == 9 ? "p:*:v" : "p:*:b"));
            }
            return -1;
        }
        if (i < RP_STORE_USER_FIELDS) {
            *found = 1;
        }
    }

    if (*found && u->event_count == 0) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "stored user has no event count");
        }
        return -1;
    }

    return 0;
}
