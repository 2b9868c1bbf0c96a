-- SPDX-License-Identifier: BSD-2-Clause
-- Copyright (c) 2026, The rp authors
-- wrk script for the demo's latency run: POST /predict over a spread of
-- known users and products; prints p50/p95/p99 in microseconds at the end.
local n = 0
request = function()
    n = n + 1
    local body = string.format('{"user_id":"user_%05d","product_id":"prod_%04d"}',
                               (n * 7919) % 1000 + 1, (n * 104729) % 500 + 1)
    return wrk.format("POST", "/predict", {["Content-Type"] = "application/json"}, body)
end

done = function(summary, latency, requests)
    local s = summary.duration / 1e6
    io.write(string.format("requests %d in %.1f s: %.0f req/s; errors %d (status %d)\n",
        summary.requests, s, summary.requests / s,
        summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.timeout, summary.errors.status))
    io.write(string.format("latency p50 %d us, p95 %d us, p99 %d us, max %d us\n",
        latency:percentile(50), latency:percentile(95), latency:percentile(99),
        latency.max))
end
