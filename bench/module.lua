-- SPDX-License-Identifier: BSD-2-Clause
-- Copyright (c) 2026, The rp authors
-- wrk script for bench-module.sh: POST the body in RP_BODY_FILE to the URL.
local f = assert(io.open(os.getenv("RP_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
wrk.headers["Content-Type"] = "application/json"
f:close()
