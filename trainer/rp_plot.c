/* SPDX-License-Identifier: BSD-2-Clause */
/* Copyright (c) 2026, The rp authors */
/*
 * rp_plot.c: "rp-train eval --plot DIR": the ROC curve, the
 * precision-recall curve and the reliability diagram as PNG files.
 *
 * The curves' points and the reliability table go to DIR as plain data
 * files, with a gnuplot script that draws them (pngcairo), so a reader can
 * redraw them differently; gnuplot is run on the script. Without gnuplot
 * the data files are still written and the error says what to install.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rp_train.h"


typedef struct {
    double  p;
    float   y;
} rp_pt_t;


static int rp_pt_cmp_desc(const void *a, const void *b);
static FILE *rp_plot_open(const char *dir, const char *name, char *path,
    size_t len);
static int rp_plot_close(FILE *f, const char *path);
static int rp_plot_curves(const char *dir, const double *p, const float *y,
    size_t n);
static int rp_plot_script(const char *dir, const rp_metrics_t *m,
    const char *title, char *path, size_t len);
static int rp_gnuplot_found(void);
static int rp_gnuplot_run(const char *dir, const char *script);


static int
rp_pt_cmp_desc(const void *a, const void *b)
{
    const rp_pt_t  *x = a, *y = b;

    return (x->p < y->p) - (x->p > y->p);
}


static FILE *
rp_plot_open(const char *dir, const char *name, char *path, size_t len)
{
    FILE  *f;

    snprintf(path, len, "%s/%s", dir, name);
    f = fopen(path, "w");
    if (f == NULL) {
        rp_err("eval: open() \"%s\" failed: %s", path, strerror(errno));
    }

    return f;
}


static int
rp_plot_close(FILE *f, const char *path)
{
    if (ferror(f) | fclose(f)) {
        rp_err("eval: write \"%s\" failed: %s", path, strerror(errno));
        return -1;
    }

    return 0;
}


/*
 * One point per distinct score, from the highest down: ROC (false
 * positive rate, true positive rate) and PR (recall, precision).
 */
static int
rp_plot_curves(const char *dir, const double *p, const float *y, size_t n)
{
    FILE     *roc, *pr;
    size_t    i, j, pos, tp, fp;
    rp_pt_t  *s;
    char      rpath[4096], ppath[4096];

    s = rp_xalloc((n ? n : 1) * sizeof(rp_pt_t));
    pos = 0;
    for (i = 0; i < n; i++) {
        s[i].p = p[i];
        s[i].y = y[i];
        pos += y[i] > 0.5f;
    }
    qsort(s, n, sizeof(rp_pt_t), rp_pt_cmp_desc);

    roc = rp_plot_open(dir, "roc.dat", rpath, sizeof(rpath));
    pr = rp_plot_open(dir, "pr.dat", ppath, sizeof(ppath));
    if (roc == NULL || pr == NULL) {
        if (roc != NULL) {
            fclose(roc);
        }
        if (pr != NULL) {
            fclose(pr);
        }
        free(s);
        return -1;
    }

    fprintf(roc, "# false_positive_rate true_positive_rate threshold\n"
                 "0 0 1\n");
    fprintf(pr, "# recall precision threshold\n");

    tp = 0;
    fp = 0;
    for (i = 0; i < n; i = j) {
        for (j = i; j < n && s[j].p == s[i].p; j++) {
            tp += s[j].y > 0.5f;
            fp += !(s[j].y > 0.5f);
        }
        fprintf(roc, "%.6g %.6g %.6g\n",
                n > pos ? (double) fp / (n - pos) : 0.0,
                pos ? (double) tp / pos : 0.0, s[i].p);
        fprintf(pr, "%.6g %.6g %.6g\n", pos ? (double) tp / pos : 0.0,
                (double) tp / (tp + fp), s[i].p);
    }

    free(s);

    return rp_plot_close(roc, rpath) | rp_plot_close(pr, ppath);
}


static int
rp_plot_script(const char *dir, const rp_metrics_t *m, const char *title,
    char *path, size_t len)
{
    int    k;
    FILE  *f;
    char   dpath[4096];

    f = rp_plot_open(dir, "reliability.dat", dpath, sizeof(dpath));
    if (f == NULL) {
        return -1;
    }
    fprintf(f, "# bin_lo bin_hi rows mean_predicted observed_rate\n");
    for (k = 0; k < RP_REL_BINS; k++) {
        if (m->rel[k].count > 0) {
            fprintf(f, "%.2f %.2f %zu %.6g %.6g\n", m->rel[k].lo,
                    m->rel[k].hi, m->rel[k].count, m->rel[k].mean_predicted,
                    m->rel[k].observed_rate);
        }
    }
    if (rp_plot_close(f, dpath) != 0) {
        return -1;
    }

    f = rp_plot_open(dir, "plots.gp", path, len);
    if (f == NULL) {
        return -1;
    }

    /* the title is ours (version, dates): no quote to escape */
    fprintf(f,
        "# gnuplot plots.gp (in this directory) redraws the three images\n"
        "set terminal pngcairo size 800,640 font 'sans,11'\n"
        "set grid lc rgb '#dddddd'\n"
        "set key bottom right box opaque\n"
        "set size ratio -1\n"
        "set xrange [0:1]\n"
        "set yrange [0:1]\n"
        "set xtics 0.1\n"
        "set ytics 0.1\n"
        "\n"
        "set output 'roc.png'\n"
        "set title \"ROC curve (AUC %.4f, %zu rows)\\n%s\" noenhanced\n"
        "set xlabel 'false positive rate'\n"
        "set ylabel 'true positive rate'\n"
        "plot x title 'chance' with lines dt 2 lc rgb '#888888', \\\n"
        "     'roc.dat' using 1:2 title 'model' with lines lw 2 "
        "lc rgb '#1f77b4'\n"
        "\n"
        "set output 'pr.png'\n"
        "set key top right\n"
        "set title \"Precision-recall curve (average precision %.4f)\\n%s\""
        " noenhanced\n"
        "set xlabel 'recall'\n"
        "set ylabel 'precision'\n"
        "plot %.6g title 'chance (positive rate %.4f)' with lines dt 2 "
        "lc rgb '#888888', \\\n"
        "     'pr.dat' using 1:2 title 'model' with lines lw 2 "
        "lc rgb '#1f77b4'\n"
        "\n"
        "set output 'reliability.png'\n"
        "set key top left\n"
        "set title \"Reliability (ECE %.4f, Brier %.4f; 10 equal-width "
        "bins)\\n%s\" noenhanced\n"
        "set xlabel 'mean predicted probability in the bin'\n"
        "set ylabel 'observed rate of repurchase in the bin'\n"
        "plot x title 'perfect calibration' with lines dt 2 "
        "lc rgb '#888888', \\\n"
        "     'reliability.dat' using 4:5 title 'model (labels: rows in the bin)' "
        "with linespoints lw 2 pt 7 lc rgb '#d62728', \\\n"
        "     '' using 4:5:(sprintf('%%d', $3)) title '' with labels "
        "offset char 0,1 font 'sans,9' textcolor rgb '#555555'\n",
        m->auc, m->rows, title, m->pr_auc, title, m->positive_rate,
        m->positive_rate, m->ece, m->brier, title);

    return rp_plot_close(f, path);
}


static int
rp_gnuplot_found(void)
{
    const char  *env, *p, *e;
    char         path[4096];

    env = getenv("PATH");
    for (p = env; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
        e = strchr(p, ':');
        if (e == NULL) {
            e = p + strlen(p);
        }
        snprintf(path, sizeof(path), "%.*s/gnuplot",
                 e == p ? 1 : (int) (e - p), e == p ? "." : p);
        if (access(path, X_OK) == 0) {
            return 1;
        }
    }

    return 0;
}


static int
rp_gnuplot_run(const char *dir, const char *script)
{
    int    st;
    pid_t  pid;

    pid = fork();
    if (pid < 0) {
        rp_err("eval: fork() failed: %s", strerror(errno));
        return -1;
    }

    if (pid == 0) {
        /* in DIR, so the script's relative names work */
        if (chdir(dir) == 0) {
            execlp("gnuplot", "gnuplot", "plots.gp", (char *) NULL);
        }
        _exit(127);
    }

    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            rp_err("eval: waitpid() failed: %s", strerror(errno));
            return -1;
        }
    }

    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        rp_err("eval: gnuplot failed on %s (its messages are above)", script);
        return -1;
    }

    return 0;
}


int
rp_plot(const char *dir, const double *p, const float *y, size_t n,
    const rp_metrics_t *m, const char *title)
{
    char  script[4096];

    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rp_err("eval: mkdir() \"%s\" failed: %s", dir, strerror(errno));
        return -1;
    }

    if (rp_plot_curves(dir, p, y, n) != 0
        || rp_plot_script(dir, m, title, script, sizeof(script)) != 0)
    {
        return -1;
    }

    if (!rp_gnuplot_found()) {
        rp_err("eval: --plot needs gnuplot, which is not in PATH (Debian: "
               "apt-get install gnuplot-nox, or scripts/install-deps); the "
               "data and %s are written", script);
        return -1;
    }

    if (rp_gnuplot_run(dir, script) != 0) {
        return -1;
    }

    rp_log("eval: plots in %s: roc.png, pr.png, reliability.png", dir);

    return 0;
}
