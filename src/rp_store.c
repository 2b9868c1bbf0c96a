/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_store.c: the feature store's key layout, update script and reply
 * parsing (see rp_store.h for the layout).
 */

#include <stdio.h>
#include <string.h>

#include "rp_store.h"

#define RP_STR_(x)  #x
#define RP_STR(x)   RP_STR_(x)


/*
 * The update of one user's events, atomic in Redis. The rules are those of
 * rp_state_apply() in rp_features.c, applied in the call's order to every
 * event beyond its source's position in the replay guard (field r);
 * tests/test_store_redis.c checks that the store reaches the in-memory
 * state in any grouping.
 *
 * Redis does not roll back a script that fails half-way, so the script
 * reads everything it will touch first (the user's two fields, the replay
 * guard and the field of every product of the call in one HMGET: a key of
 * the wrong type fails there) and checks it: every value parses in its
 * format and the state keeps the invariants that rp_store_parse_read()
 * checks, r its own. Only then does it write: one HSET of the changed
 * fields and r, the EXPIRE. A corrupt user is refused whole, with an
 * error reply, and left as it was.
 *
 * Positions are compared as canonical decimals (longer is further, then
 * byte order), so offsets beyond 2^53 stay exact. The guard keeps the
 * sources most recently applied first and at most SM of them.
 *
 * Its cost is mostly Lua's: each redis.call, each parsed or formatted
 * number and each table costs, so the user's state is packed in two
 * fields (parsed with one pattern each) and written with one HSET.
 * Amounts are integer cents, exact in Lua's doubles: a stored value has
 * at most 15 digits (the parsers refuse more), and 32 events of at most
 * RP_AMOUNT_MAX each keep every sum below 2^53. Numbers are written with
 * %d (Redis would write a Lua number with %.14g). The pattern Z finds a
 * number with a leading zero.
 */
const char RP_STORE_UPDATE_LUA[] =
    "-- rp feature store v3: apply the events of one user (rp_store.h)\n"
    "local u, ttl = KEYS[1], tonumber(ARGV[1])\n"
    "local find, fmt, floor, match = string.find, string.format, math.floor, string.match\n"
    "local prods, pidx, pf = {}, {}, {}\n"
    "local ne, npr = 0, 0\n"
    "for i = 2, #ARGV, 6 do\n"
    "  ne = ne + 1\n"
    "  local f = 'p:' .. ARGV[i + 5]\n"
    "  local j = pidx[f]\n"
    "  if not j then npr = npr + 1; prods[npr] = f; pidx[f] = npr; j = npr end\n"
    "  pf[ne] = j\n"
    "end\n"
    "local o = redis.call('HMGET', u, 'u', 'b', 'r', unpack(prods))\n"
    "local function bad(why)\n"
    "  return redis.error_reply('rp: corrupt store state in ' .. u .. ': ' .. why)\n"
    "end\n"
    "local L, Z = 1e15, '%f[%d]0%d'\n"
    "local SL, SM = " RP_STR(RP_STORE_SOURCE_LEN) ", " RP_STR(RP_STORE_SOURCES_MAX) "\n"
    "local n, s, lo, hi, vn = 0, 0, nil, nil, 0\n"
    "local pn, ps, lp, fd, nd, np, rn, ld = 0, 0, nil, nil, 0, 0, 0, nil\n"
    "local ou, ob, orr = o[1], o[2], o[3]\n"
    "if ou then\n"
    "  local a, b, c, d, e = match(ou, '^(%d+),(%d+),(%d+),(%d+),(%d+)$')\n"
    "  if not a or find(ou, Z) then return bad('field u is not packed state') end\n"
    "  n, s, lo, hi, vn = tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(e)\n"
    "  if n < 1 or n >= L or s >= L or lo > hi or hi > s or vn > n then\n"
    "    return bad('field u inconsistent') end\n"
    "elseif ob then return bad('field b without field u') end\n"
    "if ob then\n"
    "  local a, b, c, d, e, f, g = match(ob, '^(%d+),(%d+),(%d+),(%d+),(%d+),(%d+),(%d+)$')\n"
    "  if not a or find(ob, Z) then return bad('field b is not packed state') end\n"
    "  pn, ps, lp, fd = tonumber(a), tonumber(b), tonumber(c), tonumber(d)\n"
    "  nd, np, rn = tonumber(e), tonumber(f), tonumber(g)\n"
    "  if lp >= L then return bad('field b inconsistent') end\n"
    "  ld = floor(lp / 86400)\n"
    "  if pn < 1 or nd < 1 or np < 1 or nd > pn or np > pn or rn > np or ps > s\n"
    "    or pn + vn > n or fd > ld or nd > ld - fd + 1 then\n"
    "    return bad('field b inconsistent') end\n"
    "end\n"
    "local W, ws, nw = {}, {}, 0\n"
    "if orr then\n"
    "  if not ou then return bad('field r without field u') end\n"
    "  if orr == '' or find(orr, ',,') or find(orr, '^,') or find(orr, ',$') then\n"
    "    return bad('field r is not a replay watermark') end\n"
    "  for e in string.gmatch(orr, '[^,]+') do\n"
    "    local src, pos = match(e, '^([0-9a-f]+):(%d+)$')\n"
    "    if not src or #src ~= SL or W[src] or #pos > 19 or find(pos, '^0%d') then\n"
    "      return bad('field r is not a replay watermark') end\n"
    "    nw = nw + 1; W[src] = pos; ws[nw] = src\n"
    "  end\n"
    "  if nw > SM then return bad('field r is not a replay watermark') end\n"
    "end\n"
    "local function after(a, b) return #a > #b or (#a == #b and a > b) end\n"
    "local P = {}\n"
    "for j = 1, npr do\n"
    "  local x, p = o[3 + j], nil\n"
    "  if x then\n"
    "    if not ou then return bad(prods[j] .. ' without field u') end\n"
    "    if find(x, Z) then return bad(prods[j] .. ' is not packed state') end\n"
    "    local a, b, c, d, e, f = match(x, '^(%d+),(%d+),(%d+),(%d+),(%d+),(%d+)$')\n"
    "    if a then\n"
    "      p = {tonumber(a), tonumber(b), tonumber(c), tonumber(d), tonumber(e),\n"
    "        tonumber(f)}\n"
    "      if p[2] < 1 or p[2] > pn or p[1] > vn or p[5] < 1 or p[5] > p[2]\n"
    "        or p[5] > p[4] + 1 or p[3] < fd or p[3] + p[4] > ld or p[6] > ps then\n"
    "        return bad(prods[j] .. ' inconsistent') end\n"
    "      p[4] = p[3] + p[4]\n"
    "    elseif find(x, '^%d+$') then\n"
    "      p = {tonumber(x), 0, 0, 0, 0, 0}\n"
    "      if p[1] < 1 or p[1] > vn then return bad(prods[j] .. ' inconsistent') end\n"
    "    else\n"
    "      return bad(prods[j] .. ' is not packed state')\n"
    "    end\n"
    "  else\n"
    "    p = {0, 0, 0, 0, 0, 0}\n"
    "  end\n"
    "  P[j] = p\n"
    "end\n"
    "local done, bit, dirty, last = 0, 1, {}, {}\n"
    "for k = 1, ne do\n"
    "  local i = 6 * k - 4\n"
    "  local src, pos = ARGV[i], ARGV[i + 1]\n"
    "  local w = W[src]\n"
    "  if not w or after(pos, w) then\n"
    "    local t, a, j = ARGV[i + 2], tonumber(ARGV[i + 3]), pf[k]\n"
    "    local p = P[j]\n"
    "    W[src] = pos; last[src] = k\n"
    "    done = done + bit\n"
    "    if n == 0 or a < lo then lo = a end\n"
    "    if n == 0 or a > hi then hi = a end\n"
    "    n = n + 1; s = s + a\n"
    "    if t == '0' then\n"
    "      vn = vn + 1; p[1] = p[1] + 1; dirty[j] = true\n"
    "    elseif t == '2' then\n"
    "      local ts = tonumber(ARGV[i + 4])\n"
    "      local d = floor(ts / 86400)\n"
    "      dirty[j] = true\n"
    "      if pn == 0 then fd = d; nd = 1; lp = ts; ld = d\n"
    "      else\n"
    "        if d > ld or d < fd then nd = nd + 1 end\n"
    "        if d < fd then fd = d end\n"
    "        if ts > lp then lp = ts; ld = d end\n"
    "      end\n"
    "      if p[2] == 0 then p[3] = d; p[4] = d; p[5] = 1; np = np + 1\n"
    "      elseif d > p[4] then p[4] = d; p[5] = p[5] + 1\n"
    "      elseif d < p[3] then p[3] = d; p[5] = p[5] + 1 end\n"
    "      pn = pn + 1; ps = ps + a; p[6] = p[6] + a; p[2] = p[2] + 1\n"
    "      if p[2] == 2 then rn = rn + 1 end\n"
    "    end\n"
    "  end\n"
    "  bit = bit * 2\n"
    "end\n"
    "if done == 0 then return 0 end\n"
    "local rs = {}\n"
    "for src in pairs(last) do rs[#rs + 1] = src end\n"
    "table.sort(rs, function(a, b) return last[a] > last[b] end)\n"
    "for q = 1, nw do if not last[ws[q]] then rs[#rs + 1] = ws[q] end end\n"
    "for q = 1, math.min(#rs, SM) do rs[q] = rs[q] .. ':' .. W[rs[q]] end\n"
    "local set, m = {'u', fmt('%d,%d,%d,%d,%d', n, s, lo, hi, vn),\n"
    "  'r', table.concat(rs, ',', 1, math.min(#rs, SM))}, 4\n"
    "if pn > 0 then\n"
    "  set[5] = 'b'; set[6] = fmt('%d,%d,%d,%d,%d,%d,%d', pn, ps, lp, fd, nd, np, rn)\n"
    "  m = 6\n"
    "end\n"
    "for j = 1, npr do\n"
    "  if dirty[j] then\n"
    "    local p = P[j]\n"
    "    set[m + 1] = prods[j]\n"
    "    if p[2] == 0 then set[m + 2] = fmt('%d', p[1])\n"
    "    else set[m + 2] = fmt('%d,%d,%d,%d,%d,%d', p[1], p[2], p[3], p[4] - p[3],\n"
    "      p[5], p[6]) end\n"
    "    m = m + 2\n"
    "  end\n"
    "end\n"
    "redis.call('HSET', u, unpack(set))\n"
    "if ttl > 0 then redis.call('EXPIRE', u, ARGV[1]) end\n"
    "return done\n";

const char *const rp_store_user_fields[RP_STORE_USER_FIELDS] = {
    "u", "b"
};



unsigned
rp_store_key_slot(const char *key, size_t len)
{
    /* CRC16-CCITT (XMODEM: polynomial 0x1021, initial 0), 4 bits a step */
    static const uint16_t  nib[16] = {
        0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50a5, 0x60c6, 0x70e7,
        0x8108, 0x9129, 0xa14a, 0xb16b, 0xc18c, 0xd1ad, 0xe1ce, 0xf1ef
    };
    const unsigned char  *p = (const unsigned char *) key;
    const unsigned char  *end;
    size_t                i, j;
    unsigned              crc;

    for (i = 0; i < len && p[i] != '{'; i++) { /* void */ }

    if (i < len) {
        for (j = i + 1; j < len && p[j] != '}'; j++) { /* void */ }
        if (j < len && j > i + 1) {
            end = p + j;
            p += i + 1;
            goto hash;
        }
    }

    end = p + len;

hash:

    crc = 0;
    for ( /* void */ ; p < end; p++) {
        crc = ((crc << 4) ^ nib[((crc >> 12) ^ (*p >> 4)) & 0xf]) & 0xffff;
        crc = ((crc << 4) ^ nib[((crc >> 12) ^ *p) & 0xf]) & 0xffff;
    }

    return crc & (RP_STORE_SLOTS - 1);
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
        n = (size_t) snprintf(key, sizeof(key), "p:%.*s", (int) plen, product);
        if (rp_store_arg(cmd, &p, key, n)) {
            return -1;
        }
    }

    return 0;
}


/* FNV-1a, 64 bits. */
static uint64_t
rp_store_fnv(const char *s, size_t len)
{
    uint64_t  h = 0xcbf29ce484222325ULL;
    size_t    i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char) s[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


void
rp_store_source(const char *name, size_t len, char out[RP_STORE_SOURCE_LEN + 1])
{
    /* the top 48 bits, as 12 hex digits */
    snprintf(out, RP_STORE_SOURCE_LEN + 1, "%012llx",
             (unsigned long long) (rp_store_fnv(name, len) >> 16));
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
    const rp_store_pos_t *const *at, size_t n, int64_t ttl, const char *sha)
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
            || strlen(at[i]->src) != RP_STORE_SOURCE_LEN
            || strspn(at[i]->src, "0123456789abcdef") != RP_STORE_SOURCE_LEN
            || at[i]->pos < 0
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

    cmd->argv[cmd->argc] = "1";
    cmd->argvlen[cmd->argc++] = 1;

    klen = rp_store_user_key(evs[0]->user_id, evs[0]->user_id_len, key,
                             sizeof(key));
    rc |= rp_store_uarg(cmd, &p, key, klen);
    rc |= rp_store_unum(cmd, &p, (long long) ttl);

    for (i = 0; i < n; i++) {
        ev = evs[i];
        rc |= rp_store_uarg(cmd, &p, at[i]->src, RP_STORE_SOURCE_LEN);
        rc |= rp_store_unum(cmd, &p, (long long) at[i]->pos);
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
        h = (size_t) (rp_store_fnv(e->user_id, e->user_id_len) >> 1)
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


/*
 * Comma-separated canonical decimal integers of 1 to RP_STORE_DIGITS
 * digits each (what the script writes; it refuses the same values) into
 * x[0..max). Returns how many, or -1.
 */
static int
rp_store_ints(const char *s, size_t len, int64_t *x, int max)
{
    int      k = 0;
    size_t   i, start = 0;
    int64_t  v = 0;

    for (i = 0; i <= len; i++) {
        if (i < len && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (s[i] - '0');
            continue;
        }

        if ((i < len && s[i] != ',') || i == start
            || i - start > RP_STORE_DIGITS
            || (i - start > 1 && s[start] == '0') || k == max)
        {
            return -1;
        }

        x[k++] = v;
        v = 0;
        start = i + 1;
    }

    return k;
}


int
rp_store_parse_pair(const char *s, size_t len, rp_pair_state_t *p)
{
    int64_t  x[6];
    int      k;

    rp_pair_state_init(p);
    k = rp_store_ints(s, len, x, 6);

    if (k == 1) {
        p->views = x[0];
        return p->views >= 1 ? 0 : -1;
    }

    if (k != 6 || x[1] < 1) {
        return -1;
    }

    p->views = x[0];
    p->purchases = x[1];
    p->first_day = x[2];
    p->last_day = x[2] + x[3];
    p->ndays = x[4];
    p->amount = x[5];

    return 0;
}


size_t
rp_store_format_pair(const rp_pair_state_t *p, char *buf, size_t size)
{
    int  n;

    if (p->purchases == 0) {
        n = snprintf(buf, size, "%lld", (long long) p->views);
    } else {
        n = snprintf(buf, size, "%lld,%lld,%lld,%lld,%lld,%lld",
                     (long long) p->views, (long long) p->purchases,
                     (long long) p->first_day,
                     (long long) (p->last_day - p->first_day),
                     (long long) p->ndays, (long long) p->amount);
    }

    return n > 0 && (size_t) n < size ? (size_t) n : 0;
}


/* The user's fields u and b into *u; NULL, or what is wrong (the script
 * checks the same before it writes). */
static const char *
rp_store_user(const rp_store_val_t *fu, const rp_store_val_t *fb,
    rp_user_state_t *u)
{
    int64_t  x[7], ld;

    if (fu->str == NULL) {
        return fb->str == NULL ? NULL : "field b without field u";
    }

    if (rp_store_ints(fu->str, fu->len, x, 5) != 5) {
        return "stored field \"u\" is not packed state";
    }

    u->event_count = x[0];
    u->amount_sum = x[1];
    u->amount_min = x[2];
    u->amount_max = x[3];
    u->view_count = x[4];

    if (u->event_count < 1 || u->amount_min > u->amount_max
        || u->amount_max > u->amount_sum || u->view_count > u->event_count)
    {
        return "stored field \"u\" is inconsistent";
    }

    if (fb->str == NULL) {
        return NULL;
    }

    if (rp_store_ints(fb->str, fb->len, x, 7) != 7) {
        return "stored field \"b\" is not packed state";
    }

    u->purchase_count = x[0];
    u->purchase_sum = x[1];
    u->last_purchase = x[2];
    u->first_day = x[3];
    u->ndays = x[4];
    u->nproducts = x[5];
    u->repeat_products = x[6];
    ld = rp_day(u->last_purchase);

    if (u->purchase_count < 1 || u->ndays < 1 || u->nproducts < 1
        || u->ndays > u->purchase_count || u->nproducts > u->purchase_count
        || u->repeat_products > u->nproducts
        || u->purchase_sum > u->amount_sum
        || u->purchase_count + u->view_count > u->event_count
        || u->first_day > ld || u->ndays > ld - u->first_day + 1)
    {
        return "stored field \"b\" is inconsistent";
    }

    return NULL;
}


static const char *
rp_store_check_pair(const rp_user_state_t *u, const rp_pair_state_t *p)
{
    if (p->views > u->view_count) {
        return "product state inconsistent";
    }

    if (p->purchases == 0) {
        return NULL;
    }

    if (p->purchases > u->purchase_count || p->ndays < 1
        || p->ndays > p->purchases
        || p->ndays > p->last_day - p->first_day + 1
        || p->first_day < u->first_day
        || p->last_day > rp_day(u->last_purchase)
        || p->amount > u->purchase_sum)
    {
        return "product state inconsistent";
    }

    return NULL;
}


int
rp_store_parse_read(const rp_store_val_t *vals, size_t n, rp_user_state_t *u,
    rp_pair_state_t *p, int *found, char *err, size_t errlen)
{
    rp_pair_state_t   pair;
    const char       *why;

    if (n != RP_STORE_USER_FIELDS && n != RP_STORE_READ_FIELDS) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "expected %d or %d values, got %zu",
                     RP_STORE_USER_FIELDS, RP_STORE_READ_FIELDS, n);
        }
        return -1;
    }

    rp_user_state_init(u);
    rp_pair_state_init(&pair);
    if (p != NULL) {
        rp_pair_state_init(p);
    }
    *found = 0;

    why = rp_store_user(&vals[0], &vals[1], u);

    if (why == NULL && n == RP_STORE_READ_FIELDS && vals[2].str != NULL) {
        if (rp_store_parse_pair(vals[2].str, vals[2].len, &pair) != 0) {
            why = "stored product field \"p:*\" is not packed state";
        } else if (vals[0].str == NULL) {
            why = "a product field without user fields";
        } else {
            why = rp_store_check_pair(u, &pair);
        }
    }

    if (why != NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s", why);
        }
        return -1;
    }

    *found = vals[0].str != NULL;
    if (p != NULL) {
        *p = pair;
    }

    return 0;
}
