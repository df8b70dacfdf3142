/* live/control.h - the body of the control routes of the local API
 * (POST /kill, /resume, /traders/{addr}/disable|enable), parsed from the
 * untrusted bytes a client sent.
 *
 * Pure: no I/O, no loop state; the routes themselves are in control.c
 * (pmc_live_control_route, loop_int.h). */
#ifndef PMC_CONTROL_H
#define PMC_CONTROL_H

#include <stddef.h>

/* keys a route accepts */
#define PMC_CB_REASON 1u
#define PMC_CB_OVERRIDE 2u

/* What the tape keeps of a reason (struct pmc_kill_ev.reason) and of an
 * override (struct pmc_resume_ev.override), without the NUL. */
#define PMC_CB_REASON_MAX 63
#define PMC_CB_OVERRIDE_MAX 31

struct pmc_control_body {
    char reason[PMC_CB_REASON_MAX + 1];     /* "" = not given */
    char override[PMC_CB_OVERRIDE_MAX + 1]; /* "" = not given */
};

/* Parse body[0, len) (not a string): empty or only white space means no
 * field; else one JSON object (jansson) whose keys are among `allowed`
 * (PMC_CB_*), each a string. reason: at most 63 bytes of UTF-8, its
 * control characters, quotes and backslashes each turned into a space so
 * that it is one safe logfmt value. override: 1..31 bytes of [a-z0-9_]
 * (the name of a limit, as in `ev=kill by=core reason=`). Returns 0, or
 * -1 with err ("what: where") naming the problem. Never reads past len. */
int pmc_control_body_parse(const char *body, size_t len, unsigned allowed,
                           struct pmc_control_body *out, char *err, size_t cap);

#endif
