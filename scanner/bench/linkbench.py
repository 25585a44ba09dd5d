"""How well :func:`scanner.extract.extract_links` finds links: other projects' fixtures and our own set.

* linkify-it's published fixtures (``test/fixtures/links.txt`` and ``not_links.txt`` of
  markdown-it/linkify-it): a line is a text, the next non-empty line (if any) the link expected in
  it, else the line itself; ``%`` starts a comment. E-mail cases are scored as contact handles
  (LureLens never reports an address as a link).
* URLExtract's ``find_urls`` unit cases (``tests/unit/test_find_urls.py`` of lipoja/URLExtract): the
  ``pytest.mark.parametrize`` tables of its ``test_find_urls*`` functions without options, read with
  :mod:`ast` (never imported or run).
* twitter-text's conformance file (``conformance/extract.yml`` of twitter/twitter-text), its ``urls``
  cases: a suite not looked at while the extraction rules were written, so its figure is the
  closest to "unseen" (it has Twitter's own conventions: a TLD required even after ``http://``,
  ``t.co`` slugs of at most 40 characters, no link after ``$`` or inside a hashtag).
* ``scanner/data/cjk_links.tsv``: links written against Chinese text, and chat that holds none.

Their files are read from where the caller fetched them (a folder, or a bare git repository whose
``HEAD`` holds them); nothing of theirs is copied into this project.
"""

from __future__ import annotations

import ast
import subprocess
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..extract import extract_contacts, extract_links

LINKIFY_FILES = ("test/fixtures/links.txt", "test/fixtures/not_links.txt")
URLEXTRACT_FILE = "tests/unit/test_find_urls.py"
TWITTER_FILE = "conformance/extract.yml"
_URLEXTRACT_TESTS = (
    "test_find_urls",
    "test_find_urls_case_insensitive",
    "test_find_urls_unique",
    "test_find_urls_multiple_protocol",
)


@dataclass
class Score:
    """Cases passed out of cases run, with the failures for people to read."""

    name: str
    passed: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Share of cases passed (NaN when none ran)."""
        return self.passed / self.total if self.total else float("nan")

    def add(self, ok: bool, label: str) -> None:
        """Count one case."""
        self.total += 1
        self.passed += ok
        if not ok:
            self.misses.append(label)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {"passed": self.passed, "total": self.total, "rate": self.rate, "misses": self.misses}


def read_fixture(location: Path, inner: str) -> str:
    """``inner`` (a path inside the fetched repository) under ``location``.

    ``location`` is a checkout or a folder holding the file (found by its name), or a bare git
    repository (read with ``git show HEAD:inner``).
    """
    for cand in (location / inner, location / Path(inner).name):
        if cand.is_file():
            return cand.read_text(encoding="utf-8")
    if location.is_file():
        return location.read_text(encoding="utf-8")
    if (location / "HEAD").is_file() and (location / "objects").is_dir():
        done = subprocess.run(
            ["git", "--git-dir", str(location), "show", f"HEAD:{inner}"],
            capture_output=True,
            check=False,
            timeout=30,
        )
        if done.returncode == 0:
            return done.stdout.decode("utf-8")
    raise FileNotFoundError(f"{inner} not found under {location}")


def _is_email_case(expected: str) -> bool:
    return "@" in expected and "://" not in expected


def linkify_links(text: str) -> tuple[Score, Score]:
    """Score ``links.txt``: (URL cases, e-mail cases found as contacts)."""
    urls, emails = Score("linkify-it links"), Score("linkify-it e-mails as contacts")
    lines = [ln if not ln.startswith("%") else "" for ln in text.splitlines()]
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        expected = nxt if nxt.strip() else line
        i += 2 if nxt.strip() else 1
        # The fixtures' own comments after ` % ` are not part of the text.
        line = line.split(" % ", 1)[0].split(" //", 1)[0] if " % " in line or " // " in line else line
        if _is_email_case(expected):
            got = [c.original for c in extract_contacts(line)]
            emails.add(bool(got) and got[0] == expected, f"{line!r} → {got}")
            continue
        got = [f.original for f in extract_links(line)]
        urls.add(bool(got) and got[0] == expected, f"{line!r} → {got} (expected {expected!r})")
    return urls, emails


def linkify_not_links(text: str) -> Score:
    """Score ``not_links.txt``: passed = no link found (a rate of false links is ``1 - rate``)."""
    sc = Score("linkify-it not-links")
    for raw in text.splitlines():
        line = raw.split(" %", 1)[0].rstrip() if not raw.startswith("%") else ""
        line = line.split(" //", 1)[0] if " // " in line else line
        if not line.strip():
            continue
        got = [f.original for f in extract_links(line)]
        sc.add(not got, f"{line!r} → {got}")
    return sc


def _literal(node: ast.AST) -> Any:
    """A parametrize table: literals, plus ``"…%s…" % chr(N)`` which URLExtract uses."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _literal(node.left) % _literal(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "chr":
        return chr(_literal(node.args[0]))
    if isinstance(node, ast.List | ast.Tuple):
        return [_literal(e) for e in node.elts]
    return ast.literal_eval(node)


def urlextract_cases(source: str) -> list[tuple[str, list[str], bool]]:
    """``(text, expected, unique)`` from URLExtract's ``test_find_urls.py`` (parsed, not run)."""
    out: list[tuple[str, list[str], bool]] = []
    for fn in ast.parse(source).body:
        if not isinstance(fn, ast.FunctionDef) or fn.name not in _URLEXTRACT_TESTS:
            continue
        for dec in fn.decorator_list:
            if isinstance(dec, ast.Call) and len(dec.args) == 2:
                for text, expected in _literal(dec.args[1]):
                    out.append((text, list(expected), "unique" in fn.name or "insensitive" in fn.name))
    return out


def urlextract_score(source: str) -> tuple[Score, Score]:
    """(cases whose whole list matches, expected links found)."""
    cases, links = Score("URLExtract find_urls cases"), Score("URLExtract expected links")
    for text, expected, unique in urlextract_cases(source):
        got = [f.original for f in extract_links(text)]
        if unique:
            got = list(dict.fromkeys(got))
        cases.add(got == expected, f"{text!r} → {got} (expected {expected})")
        for e in expected:
            links.add(e in got, f"{e!r} in {text!r}")
    return cases, links


def twitter_score(source: str) -> tuple[Score, Score, Score]:
    """twitter-text ``urls`` cases: (cases whose whole list matches, expected links found, texts
    without links kept link-free). Needs PyYAML (a test dependency)."""
    import yaml

    cases, links, clean = Score("twitter-text cases"), Score("twitter-text links"), Score("twitter-text none")
    for case in yaml.safe_load(source)["tests"]["urls"]:
        text, expected = str(case["text"]), [str(e) for e in case["expected"]]
        got = [f.original for f in extract_links(text)]
        cases.add(got == expected, f"{text[:80]!r} → {got} (expected {expected})")
        for e in expected:
            links.add(e in got, f"{e!r} in {text[:80]!r}")
        if not expected:
            clean.add(not got, f"{text[:80]!r} → {got}")
    return cases, links, clean


def own_cases() -> list[tuple[str, list[str]]]:
    """Our CJK set: ``(text, expected urls)``."""
    raw = resources.files("scanner").joinpath("data", "cjk_links.tsv").read_text(encoding="utf-8")
    out = []
    for line in raw.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, _, expected = line.partition("\t")
        out.append((text.replace("\\n", "\n"), expected.split()))
    return out


def own_score() -> tuple[Score, Score]:
    """(links expected and found with the exact URL, texts with no link that stayed without one)."""
    links, clean = Score("own CJK-glued links"), Score("own chat without links")
    for text, expected in own_cases():
        got = [f.url for f in extract_links(text)]
        if expected:
            for e in expected:
                links.add(e in got, f"{text!r}: {e} not in {got}")
            for g in got:
                if g not in expected:
                    clean.add(False, f"{text!r}: extra {g}")
        else:
            clean.add(not got, f"{text!r} → {got}")
    return links, clean


def measure(
    linkify: Path | None = None, urlextract: Path | None = None, twitter: Path | None = None
) -> dict[str, Any]:
    """Every figure; a fixture set whose location is not given (or not found) is skipped with a note."""
    t0 = time.perf_counter()
    own_links, own_clean = own_score()
    res: dict[str, Any] = {
        "own_links": own_links.as_dict(),
        "own_no_link": own_clean.as_dict(),
        "skipped": [],
    }
    if linkify is not None:
        try:
            links_txt = read_fixture(linkify, LINKIFY_FILES[0])
            not_txt = read_fixture(linkify, LINKIFY_FILES[1])
        except (OSError, subprocess.SubprocessError) as e:
            res["skipped"].append(f"linkify-it: {e}")
        else:
            urls, emails = linkify_links(links_txt)
            res["linkify_links"] = urls.as_dict()
            res["linkify_emails"] = emails.as_dict()
            res["linkify_not_links"] = linkify_not_links(not_txt).as_dict()
    else:
        res["skipped"].append("linkify-it: no fixtures given (fetch markdown-it/linkify-it, pass its folder)")
    if urlextract is not None:
        try:
            cases, found = urlextract_score(read_fixture(urlextract, URLEXTRACT_FILE))
        except (OSError, subprocess.SubprocessError, SyntaxError, ValueError) as e:
            res["skipped"].append(f"URLExtract: {e}")
        else:
            res["urlextract_cases"], res["urlextract_links"] = cases.as_dict(), found.as_dict()
    else:
        res["skipped"].append("URLExtract: no tests given (fetch lipoja/URLExtract, pass its folder)")
    if twitter is not None:
        try:
            tcases, tlinks, tclean = twitter_score(read_fixture(twitter, TWITTER_FILE))
        except (OSError, subprocess.SubprocessError, ImportError, KeyError, ValueError) as e:
            res["skipped"].append(f"twitter-text: {e}")
        else:
            res["twitter_cases"], res["twitter_links"] = tcases.as_dict(), tlinks.as_dict()
            res["twitter_no_link"] = tclean.as_dict()
    res["seconds"] = time.perf_counter() - t0
    return res


def locate_fixtures(folder: Path) -> tuple[Path | None, Path | None, Path | None]:
    """``(linkify-it, URLExtract, twitter-text)`` locations under ``folder``: the files themselves, a
    checkout, or fetched mirrors (``…linkify-it…/repo``, ``…URLExtract…/repo``) one level down."""
    if not folder.is_dir():
        return None, None, None
    names = {p.name for p in folder.iterdir()}
    linkify = folder if "links.txt" in names or (folder / LINKIFY_FILES[0]).is_file() else None
    urlextract = folder if "test_find_urls.py" in names or (folder / URLEXTRACT_FILE).is_file() else None
    twitter = folder if "extract.yml" in names or (folder / TWITTER_FILE).is_file() else None
    for child in sorted(folder.iterdir()):
        if not child.is_dir():
            continue
        where = child / "repo" if (child / "repo").is_dir() else child
        low = child.name.lower()
        if linkify is None and "linkify" in low:
            linkify = where
        elif urlextract is None and "urlextract" in low:
            urlextract = where
        elif twitter is None and "twitter-text" in low:
            twitter = where
    return linkify, urlextract, twitter


def format_links(res: dict[str, Any], *, misses: bool = False) -> str:
    """The figures as plain text (``misses``: list every failed case too)."""
    names = {
        "own_links": "own CJK-glued links found",
        "own_no_link": "own chat lines without a false link",
        "linkify_links": "linkify-it links.txt URL cases",
        "linkify_emails": "linkify-it e-mails found as contacts",
        "linkify_not_links": "linkify-it not_links.txt kept link-free",
        "urlextract_cases": "URLExtract find_urls cases exact",
        "urlextract_links": "URLExtract expected links found",
        "twitter_cases": "twitter-text urls cases exact",
        "twitter_links": "twitter-text expected links found",
        "twitter_no_link": "twitter-text no-link texts kept",
    }
    lines = ["Links (scanner.extract):"]
    for key, label in names.items():
        if key in res:
            v = res[key]
            lines.append(f"  {label:42s} {v['passed']:4d}/{v['total']:<4d} {100 * v['rate']:5.1f} %")
            if misses:
                lines.extend(f"      miss: {m}" for m in v["misses"])
    if "linkify_not_links" in res:
        v = res["linkify_not_links"]
        lines.append(
            f"  {'linkify-it non-links extracted':42s} {v['total'] - v['passed']:4d}/{v['total']:<4d} "
            f"{100 * (1 - v['rate']):5.1f} %"
        )
    lines.extend(f"  skipped: {s}" for s in res.get("skipped", []))
    return "\n".join(lines)
