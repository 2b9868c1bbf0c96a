-- SPDX-License-Identifier: BSD-2-Clause
-- Copyright (c) 2026, The rp authors
-- wrk script: POST /predict for a stored user (t/data/events.csv).
wrk.method = "POST"
wrk.body = '{"user_id":"u_loyal","product_id":"p1"}'
wrk.headers["Content-Type"] = "application/json"
