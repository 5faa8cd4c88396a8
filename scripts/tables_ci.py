"""tables_ci.py - README.md's two commands with their times, generated from committed files (issue 26, item 5):
`make reproduce`'s from the quick run's RUN.txt (docs/results/quick, its "Wall time" line), `make test`'s and the
number of Criterion tests from a `.ci/run` rehearsal (docs/results/ci: times.csv, criterion.txt; scripts/ci-record.sh
makes it). tests/quick_time_test.py holds the quick time to the run's stages, `--dry-run` and `--help` as well.
scripts/tables.py imports TABLES from here; its helpers (Bad, rows, ROOT) are put in H by tables.py.
"""
import os
import re

CI = "docs/results/ci"
QUICK = "docs/results/quick/RUN.txt"
H = {}  # tables.py's helpers (Bad, rows, one, pct, json_last, json_num, ROOT)



def _text(rel):
    try:
        return open(os.path.join(H["ROOT"], rel), encoding="utf-8").read()
    except OSError as e:
        raise H["Bad"](f"{rel}: cannot read it ({e.strerror})")


def _quick_wall():
    m = re.search(r"^Wall time: ([0-9]+) s", _text(QUICK), re.M)
    if not m:
        raise H["Bad"](f"{QUICK}: no 'Wall time: S s' line")
    return int(m.group(1))


def _ci():
    """(make test's seconds, the Criterion tests make test ran, RUN.txt's date line)."""
    secs = [r for r in H["rows"](f"{CI}/times.csv") if r.get("step") == "test"]
    if len(secs) != 1 or not secs[0].get("seconds", "").isdigit():
        raise H["Bad"](f"{CI}/times.csv: expected one row 'test,SECONDS'")
    m = re.search(r"^make test: \[====\] Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: 0 \| Crashing: 0$",
                  _text(f"{CI}/criterion.txt"), re.M)
    if not m or m.group(1) != m.group(2):
        raise H["Bad"](f"{CI}/criterion.txt: expected a 'make test' line with every Criterion test passing")
    d = re.search(r"^Written (\d{4}-\d\d-\d\d)", _text(f"{CI}/RUN.txt"), re.M)
    if not d:
        raise H["Bad"](f"{CI}/RUN.txt: no 'Written YYYY-MM-DD' line")
    return int(secs[0]["seconds"]), int(m.group(1)), d.group(1)


def readme_start():
    """The two commands of README.md with their measured times, and where each time comes from."""
    test_s, tests, day = _ci()
    return ["```sh",
            "make reproduce   # deps, data, build, then every experiment at laptop scale: "
            f"about {round(_quick_wall() / 60)} minutes on 2 cores",
            "make test        # deps, data, build, then the PyTorch checks and the Criterion suite: "
            f"about {round(test_s / 60)} minutes on 2 cores",
            "```", "",
            "`make reproduce`'s time is that of the run committed in docs/results/quick (RUN.txt: its commands, the CPU "
            f"and the time of each stage); `make test`'s, {test_s / 60:.1f} minutes for {tests} Criterion tests and "
            f"the Python checks, that of `.ci/run` in a fresh clone on {day}, with the packages already installed "
            "(docs/results/ci: each step's time and the CPU)."]


TABLES = {}
if os.path.isdir(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), CI)):
    TABLES["readme-start"] = readme_start
