/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_version.h: the one version of rp, shared by every program and the
 * nginx module. The Debian packaging (debian/changelog) carries the same
 * number; tests check that the two agree.
 */

#ifndef RP_VERSION_H
#define RP_VERSION_H

#define RP_VERSION  "0.1.0"

/*
 * "0.1.0", or "0.1.0 (git 4845c88-dirty)" when the build ran in a git
 * checkout (the Makefile writes the description into a generated header).
 */
const char *rp_version(void);

/*
 * For the programs' main(): when argv[1] is --version, prints
 * "PROG VERSION" and the build's compiler to stdout and returns 1 (the
 * caller exits 0); otherwise returns 0.
 */
int rp_version_arg(int argc, char **argv, const char *prog);

#endif /* RP_VERSION_H */
