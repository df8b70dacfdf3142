/* research/optimize/verdict.c - the verdict of a search as `pmcopy
 * optimize` and `pmcopy merge` print it, and what --strict requires
 * (PBO <= 0.5 and DSR >= 0.95).
 *
 * Decides: the printed lines and the --strict messages. Never: computes
 * a statistic (analyse.c and overfit.c do). */
#include <inttypes.h>

#include "research/optimize/optimize.h"

void pmc_opt_print_verdict(FILE *f, enum pmc_objective obj,
                           const struct pmc_opt_verdict *v, const char *out)
{
    fprintf(f,
            "pmcopy optimize: %" PRIu64 " trials; best trial %" PRIu64
            " (%s %.6f)\n",
            v->trials, v->best, pmc_objective_name(obj), v->best_objective);
    if (v->pbo_known)
        fprintf(f, "  PBO %.3f", v->pbo);
    else
        fprintf(f, "  PBO unknown");
    if (v->dsr_known)
        fprintf(f, ", DSR %.3f", v->dsr);
    else
        fprintf(f, ", DSR unknown");
    fprintf(f, ", WFE %.3f\n  report: %s/report.html\n", v->wfe, out);
}

int pmc_opt_strict(const struct pmc_opt_verdict *v, const char *prog, FILE *err)
{
    int rc = 0;
    if (v->pbo_known && v->pbo > 0.5) {
        fprintf(err,
                "%s: --strict: PBO %.3f > 0.5: the best in-sample trial is "
                "below the median out of sample more often than not\n",
                prog, v->pbo);
        rc = 1;
    }
    if (!v->dsr_known || v->dsr < 0.95) {
        if (v->dsr_known)
            fprintf(err,
                    "%s: --strict: DSR %.3f < 0.95: the best trial's Sharpe "
                    "ratio is not above what the best of %" PRIu64
                    " skill-less trials would show\n",
                    prog, v->dsr, v->trials);
        else
            fprintf(err,
                    "%s: --strict: DSR unknown (the best trial's daily "
                    "P&L never varies)\n",
                    prog);
        rc = 1;
    }
    return rc;
}
