#!/usr/bin/python3
"""make lint: the house limits and the references of the docs (issue 25).

  1. no file in src/, simd/, include/, tests/, bench/ (*.c *.h *.py *.sh)
     over 500 lines;
  2. no C function over 80 lines, from its opening brace's line to its
     closing brace's;
  3. every path (src/... include/... tests/... bench/... simd/...
     scripts/... docs/...) and every edd_* / repro_* symbol named in
     docs/*.md, README.md or a C comment exists: the path in the tree, the
     symbol in the code (comments left out); `*` is a wildcard;
  4. docs/ARCHITECTURE.md names every .c file under src/ and simd/;
  5. the programs on the engine, the study (src/experiments/*.c *.h) and
     the CLI (src/cli/), call it through its public headers: a quoted
     #include there names a public header, edd.h or edd/NAME.h of
     include/, or a file of the program's own (the CLI's are src/cli/
     and the study's headers), never include/edd/internal/ nor an
     engine's private header in src/.

A file is exempt from 1 with `lint: allow-long-file (reason)` in its first
10 lines; a function from 2 with `lint: allow-long-function (reason)` in
the 4 lines above its opening brace. Every exemption honoured is printed.
Standard library only; run from the top of the tree. Exit 1 on any
finding."""
import fnmatch
import glob
import os
import re
import sys

MAX_FILE, MAX_FUNC = 500, 80
DIRS = ("src", "simd", "include", "tests", "bench")
EXTS = (".c", ".h", ".py", ".sh")
PATH_RE = re.compile(r"(?<![\w./-])((?:src|include|tests|bench|simd|scripts|docs)/[\w.*/-]*)")
SYM_RE = re.compile(r"(?<![\w./-])((?:edd|repro)_[a-z0-9_*]*[a-z0-9*])(?![\w-]|\.[ch]\b)")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
STUDY = "src/experiments"
PROGRAMS = {STUDY: (STUDY,), "src/cli": ("src/cli", STUDY)}  # a program's folder: where its own headers are
EXEMPT_RE = re.compile(r"lint: allow-long-(file|function)\s*(\(([^)]*)\))?")

problems, notes = [], []


def tree_files(exts):
    out = []
    for d in DIRS:
        for root, _, names in os.walk(d):
            out += [os.path.join(root, n) for n in sorted(names) if n.endswith(exts)]
    return sorted(out)


def split_c(text):
    """The code with comments and literals blanked (newlines kept), and the
    comments as (line, text)."""
    code, comments, i, n, line = [], [], 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            block = text.startswith("/*", i)
            end = text.find("*/" if block else "\n", i + 2)
            end = n if end < 0 else end + 2 if block else end
            body = text[i:end]
            comments.append((line, body))
            code.append(re.sub(r"[^\n]", " ", body))
            line += body.count("\n")
            i = end
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            code.append(c + " " * (j - i - 1) + c)
            i = j + 1
        else:
            code.append(c)
            line += c == "\n"
            i += 1
    return "".join(code), comments


def exemption(lines, kind, where):
    for ln in lines:
        m = EXEMPT_RE.search(ln)
        if m and m.group(1) == kind:
            if not (m.group(3) or "").strip():
                problems.append(f"{where}: lint: allow-long-{kind} without a (reason)")
                return False
            notes.append(f"{where}: exempt, allow-long-{kind} ({m.group(3).strip()})")
            return True
    return False


def check_functions(path, code, lines):
    depth, start, name = 0, 0, None
    for m in re.finditer(r"[{}]", code):
        if m.group() == "{":
            if depth == 0:
                head = code[max(0, m.start() - 400):m.start()].rstrip()
                f = re.search(r"(\w+)\s*\([^;{}]*\)\s*$", head) if head.endswith(")") else None
                name = f.group(1) if f and f.group(1) not in ("if", "for", "while", "switch") else None
                if name == "Test":
                    name = "Test(" + re.sub(r"\s+", "", f.group(0)).split("(", 1)[1].split(",.")[0]
                start = code.count("\n", 0, m.start()) + 1
            depth += 1
        else:
            depth -= 1
            if depth == 0 and name:
                end = code.count("\n", 0, m.start()) + 1
                size = end - start + 1
                where = f"{path}:{start}: function {name} is {size} lines"
                if size > MAX_FUNC and not exemption(lines[max(0, start - 5):start], "function", where):
                    problems.append(f"{where} (max {MAX_FUNC})")
                name = None


def exists_path(p):
    p = p.rstrip(".-")
    if p.startswith("bench/") and os.path.exists(p + ".c"):
        return True  # a bench program, built from bench/NAME.c
    pattern = re.sub(r"(?<![A-Za-z])[A-Z]+(?![A-Za-z])", "*", p)  # TARGET, R_scalar.c
    if "*" in pattern:
        return bool(glob.glob(pattern))
    return os.path.exists(p)


def check_refs(where, text, symbols):
    for p in PATH_RE.findall(text):
        if not exists_path(p):
            problems.append(f"{where}: no such path {p}")
    for s in SYM_RE.findall(text):
        ok = fnmatch.filter(symbols, s) if "*" in s else s in symbols
        if not ok:
            problems.append(f"{where}: no such symbol {s}")


def check_program_includes(path, text, own_dirs):
    for inc in INCLUDE_RE.findall(text):
        public = re.fullmatch(r"edd(/[\w-]+)?\.h", inc) and os.path.exists(os.path.join("include", inc))
        own = "/" not in inc and any(os.path.exists(os.path.join(d, inc)) for d in own_dirs)
        if not (public or own):
            problems.append(f'{path}: includes "{inc}": a program on the engine may include only its public '
                            f"headers (include/edd.h, include/edd/NAME.h) and its own ({', '.join(own_dirs)})")


def main():
    files = tree_files(EXTS)
    c_files = [f for f in files if f.endswith((".c", ".h"))]
    symbols, parsed = set(), {}
    for f in c_files:
        text = open(f, encoding="utf-8").read()
        parsed[f] = split_c(text)
        symbols.update(re.findall(r"\b(?:edd|repro)_\w+", parsed[f][0]))
    symbols = sorted(symbols)
    for f in files:
        text = open(f, encoding="utf-8").read()
        lines = text.split("\n")
        n = text.count("\n")
        if n > MAX_FILE and not exemption(lines[:10], "file", f"{f}: {n} lines"):
            problems.append(f"{f}: {n} lines (max {MAX_FILE})")
        if os.path.dirname(f) in PROGRAMS and f.endswith((".c", ".h")):
            check_program_includes(f, text, PROGRAMS[os.path.dirname(f)])
        if f in parsed:
            code, comments = parsed[f]
            check_functions(f, code, lines)
            for line, body in comments:
                check_refs(f"{f}:{line}", body, symbols)
    for f in sorted(glob.glob("docs/*.md")) + ["README.md"]:
        for i, ln in enumerate(open(f, encoding="utf-8"), 1):
            check_refs(f"{f}:{i}", ln, symbols)
    arch = open("docs/ARCHITECTURE.md", encoding="utf-8").read()
    for f in sorted(glob.glob("src/*/*.c") + glob.glob("simd/*.c")):
        if not re.search(r"(?<![\w-])" + re.escape(os.path.basename(f)) + r"\b", arch):
            problems.append(f"docs/ARCHITECTURE.md: does not name {f}")
    for s in notes + problems:
        print(s)
    print(f"lint: {len(problems)} problem(s), {len(notes)} exemption(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
