/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_version.c: the version string of the programs and the module.
 */

#include <stdio.h>
#include <string.h>

#include "rp_version.h"

/* the git description, when the build had one (see the Makefile) */
#if defined(__has_include)
#if __has_include("rp_version_git.h")
#include "rp_version_git.h"
#endif
#endif

#ifdef RP_GIT_DESCRIBE
#define RP_VERSION_FULL  RP_VERSION " (git " RP_GIT_DESCRIBE ")"
#else
#define RP_VERSION_FULL  RP_VERSION
#endif

#if defined(__clang__)
#define RP_COMPILER  "clang " __clang_version__
#elif defined(__GNUC__)
#define RP_COMPILER  "gcc " __VERSION__
#else
#define RP_COMPILER  "unknown compiler"
#endif


const char *
rp_version(void)
{
    return RP_VERSION_FULL;
}


int
rp_version_arg(int argc, char **argv, const char *prog)
{
    if (argc < 2 || strcmp(argv[1], "--version") != 0) {
        return 0;
    }

    printf("%s %s\nbuilt with %s\n", prog, RP_VERSION_FULL, RP_COMPILER);
    return 1;
}
