#!/usr/bin/env python3
"""tests/cli/promtext.py - checks for the operator-facing text of `pmcopy live`.

  promtext.py metrics FILE       the whole /metrics page parses per the
                                 Prometheus text format 0.0.4: every sample's
                                 family has one # HELP and one # TYPE line
                                 before its samples, samples of a family are
                                 together, names carry the pmcopy_ prefix,
                                 counters end in _total, no series twice,
                                 histogram buckets ascend in le, are
                                 cumulative (monotone), end in +Inf and +Inf
                                 equals _count.
  promtext.py names SCRAPE FILE...  every pmcopy_* metric named in the
                                 alert rules / dashboard FILEs is a sample
                                 name of the scrape (a histogram's _bucket
                                 counts).
  promtext.py logfmt FILE        every line is logfmt (key=value pairs, a
                                 quoted value with \\" and \\\\ escapes) and
                                 starts ts=<ISO 8601 UTC> level=<level>
                                 event=<name>.
Prints the problems found and exits 1 when there is one."""
import math
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(%s)(\{.*\})?\s+(\S+)(\s+-?\d+)?$" % NAME)
LPAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"' % LABEL)


def parse_labels(s, where, errs):
    if not s:
        return ()
    body = s[1:-1]
    out, pos = [], 0
    while pos < len(body):
        m = LPAIR.match(body, pos)
        if not m:
            errs.append("%s: bad label set %s" % (where, s))
            return tuple(out)
        out.append((m.group(1), m.group(2)))
        pos = m.end()
        if pos < len(body):
            if body[pos] != ",":
                errs.append("%s: bad label set %s" % (where, s))
                return tuple(out)
            pos += 1
    names = [k for k, _ in out]
    if len(set(names)) != len(names):
        errs.append("%s: a label twice in %s" % (where, s))
    return tuple(out)


def parse_value(v):
    if v in ("+Inf", "Inf"):
        return math.inf
    if v == "-Inf":
        return -math.inf
    if v == "NaN":
        return math.nan
    return float(v)


def family_of(name, types):
    for suf in ("_bucket", "_sum", "_count"):
        if name.endswith(suf) and types.get(name[: -len(suf)]) in (
                "histogram", "summary"):
            return name[: -len(suf)]
    return name


def check_metrics(path):
    errs = []
    helps, types = {}, {}
    seen_series = set()
    done = set()  # families whose samples ended
    sampled = set()  # families with a sample so far
    cur = None
    hist = {}  # (family, labels without le) -> [(le, v)], count
    counts = {}
    nsamples = 0
    for i, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        where = "%s:%d" % (path, i)
        if not line.strip():
            continue
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) ?(.*)$" % NAME, line)
            if not m:
                continue  # a plain comment
            kind, name, rest = m.groups()
            if kind == "HELP":
                if name in helps:
                    errs.append("%s: second HELP for %s" % (where, name))
                if not rest.strip():
                    errs.append("%s: empty HELP for %s" % (where, name))
                helps[name] = rest
            else:
                if name in types:
                    errs.append("%s: second TYPE for %s" % (where, name))
                if rest not in ("counter", "gauge", "histogram", "summary",
                                "untyped"):
                    errs.append("%s: bad TYPE %s" % (where, rest))
                types[name] = rest
            if name in sampled:
                errs.append("%s: %s for %s after its samples" % (where, kind, name))
            continue
        m = SAMPLE.match(line)
        if not m:
            errs.append("%s: not a sample: %s" % (where, line))
            continue
        nsamples += 1
        name, lab, val = m.group(1), m.group(2), m.group(3)
        try:
            v = parse_value(val)
        except ValueError:
            errs.append("%s: bad value %s" % (where, val))
            continue
        labels = parse_labels(lab, where, errs)
        fam = family_of(name, types)
        if not name.startswith("pmcopy_"):
            errs.append("%s: %s lacks the pmcopy_ prefix" % (where, name))
        if fam not in helps or fam not in types:
            errs.append("%s: %s has no HELP/TYPE line before it" % (where, fam))
        if fam != cur:
            if fam in done:
                errs.append("%s: samples of %s are not together" % (where, fam))
            if cur is not None:
                done.add(cur)
            cur = fam
        sampled.add(fam)
        key = (name, tuple(sorted(labels)))
        if key in seen_series:
            errs.append("%s: series twice: %s" % (where, line))
        seen_series.add(key)
        t = types.get(fam)
        if t == "counter":
            if not name.endswith("_total"):
                errs.append("%s: counter %s does not end in _total" % (where, name))
            if v < 0:
                errs.append("%s: negative counter" % where)
        if t == "histogram":
            rest = tuple(sorted((k, x) for k, x in labels if k != "le"))
            if name == fam + "_bucket":
                le = [x for k, x in labels if k == "le"]
                if len(le) != 1:
                    errs.append("%s: bucket without le" % where)
                    continue
                try:
                    lev = parse_value(le[0])
                except ValueError:
                    errs.append("%s: bad le %s" % (where, le[0]))
                    continue
                hist.setdefault((fam, rest), []).append((lev, v, where))
            elif name == fam + "_count":
                counts[(fam, rest)] = v
            elif name != fam + "_sum":
                errs.append("%s: %s in histogram %s" % (where, name, fam))
    for (fam, rest), b in hist.items():
        les = [le for le, _, _ in b]
        if les != sorted(les) or len(set(les)) != len(les):
            errs.append("%s%s: buckets not in ascending le" % (fam, dict(rest)))
        vals = [v for _, v, _ in b]
        if any(vals[k] > vals[k + 1] for k in range(len(vals) - 1)):
            errs.append("%s%s: buckets not cumulative" % (fam, dict(rest)))
        if not les or les[-1] != math.inf:
            errs.append("%s%s: no +Inf bucket last" % (fam, dict(rest)))
        elif counts.get((fam, rest)) != vals[-1]:
            errs.append("%s%s: +Inf bucket %s != _count %s" %
                        (fam, dict(rest), vals[-1], counts.get((fam, rest))))
    for fam, t in types.items():
        if t == "histogram" and not any(f == fam for f, _ in hist):
            errs.append("%s: histogram without buckets" % fam)
    if nsamples == 0:
        errs.append("%s: no samples" % path)
    return errs


def check_names(scrape, files):
    errs = []
    have = set()
    for line in open(scrape, encoding="utf-8"):
        m = SAMPLE.match(line.rstrip("\n"))
        if m and not line.startswith("#"):
            have.add(m.group(1))
    for f in files:
        text = open(f, encoding="utf-8").read()
        named = set(re.findall(r"\bpmcopy_[a-zA-Z0-9_:]*", text))
        if not named:
            errs.append("%s: names no pmcopy_ metric" % f)
        for n in sorted(named):
            if n not in have:
                errs.append("%s: %s is not in the /metrics scrape" % (f, n))
    return errs


LOGFMT = re.compile(r'([A-Za-z0-9_.\-]+)=("(?:[^"\\]|\\["\\])*"|[^\s"=\\]+)( |$)')


def check_logfmt(path):
    errs = []
    n = 0
    for i, line in enumerate(open(path, encoding="utf-8", errors="replace"), 1):
        line = line.rstrip("\n")
        n += 1
        where = "%s:%d" % (path, i)
        pos, keys = 0, []
        while pos < len(line):
            m = LOGFMT.match(line, pos)
            if not m:
                errs.append("%s: not logfmt at column %d: %s" % (where, pos + 1, line))
                break
            keys.append((m.group(1), m.group(2)))
            pos = m.end()
        else:
            k = [a for a, _ in keys]
            if k[:3] != ["ts", "level", "event"]:
                errs.append("%s: does not start ts= level= event=: %s" % (where, line))
            elif not re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", keys[0][1]):
                errs.append("%s: ts is not ISO 8601 UTC: %s" % (where, keys[0][1]))
            elif keys[1][1] not in ("debug", "info", "warn", "error"):
                errs.append("%s: bad level %s" % (where, keys[1][1]))
            if len(set(k)) != len(k):
                errs.append("%s: a key twice: %s" % (where, line))
    if n == 0:
        errs.append("%s: no lines" % path)
    return errs


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    what = sys.argv[1]
    if what == "metrics":
        errs = check_metrics(sys.argv[2])
    elif what == "names":
        errs = check_names(sys.argv[2], sys.argv[3:])
    elif what == "logfmt":
        errs = check_logfmt(sys.argv[2])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    for e in errs[:30]:
        print(e)
    if len(errs) > 30:
        print("... %d problems in all" % len(errs))
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
