"""Write the scenario's repositories as real (bare) git repositories with ``git fast-import``.

Why fast-import: the loaders must read the demo exactly as they read a real clone, so the
repositories have to be real, with backdated author/committer dates that keep each author's UTC
offset. Running ``git commit`` thousands of times would take minutes; one ``git fast-import``
stream per repository writes thousands of commits in a fraction of a second, and the result is
byte-for-byte reproducible because every input of a commit object (tree, parents, identities,
dates, message) comes from the scenario.

``CommitHasher`` computes the sha git will give a commit without running git. The demo builder
uses it to put real shas into texts written *before* git runs (``This reverts commit <sha>``,
an incident's ``root cause: <sha>``); the tests check it against what fast-import writes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from ingest.demo.model import Commit, Organisation, Person, Release, Repo

log = logging.getLogger(__name__)

FILE_MODE = "100644"
TREE_MODE = "40000"


def git_environment() -> dict[str, str]:
    """The environment for git commands that write: no user/system config, no inherited GIT_*.

    A user's ``init.defaultBranch``, templates, hooks or ``GIT_DIR`` would otherwise change what
    is written (and so the shas).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "LC_ALL": "C",
        }
    )
    return env


def git_time(at: datetime) -> str:
    """``<epoch seconds> <+hhmm>``: git's raw date, keeping the datetime's own UTC offset."""
    offset = at.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime in a commit: {at!r}")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{int(at.timestamp())} {sign}{hours:02d}{mins:02d}"


def identity_line(person: Person, at: datetime) -> str:
    """``Name <email> <epoch> <tz>`` as it appears in author/committer headers."""
    for text in (person.name, person.email):
        if any(c in text for c in "<>\n"):
            raise ValueError(f"person {person.key!r} has characters git cannot store: {text!r}")
    return f"{person.name} <{person.email}> {git_time(at)}"


def _author_and_committer(commit: Commit, people: Mapping[str, Person]) -> tuple[str, str]:
    author = people[commit.author]
    committer = people[commit.committer or commit.author]
    committed_at = commit.committed_at or commit.authored_at
    return identity_line(author, commit.authored_at), identity_line(committer, committed_at)


def _check_path(path: str) -> None:
    if not path or path.startswith(("/", '"')) or "\n" in path or "//" in path:
        raise ValueError(f"unsupported file path in a commit: {path!r}")


class CommitHasher:
    """Compute git object ids of the scenario's commits exactly as fast-import will write them.

    Feed commits in topological order. A commit's tree is its first parent's tree with the
    commit's ``files`` written over it (the same rule the fast-import stream follows).
    """

    def __init__(self, people: Mapping[str, Person]) -> None:
        self._people = people
        self._trees: dict[str, dict[str, bytes]] = {}  # commit key -> path -> blob id (binary)
        self.shas: dict[str, str] = {}

    def add(self, commit: Commit) -> str:
        """Return the sha of ``commit`` (its parents must have been added before)."""
        missing = [p for p in commit.parents if p not in self.shas]
        if missing:
            raise ValueError(f"commit {commit.key!r} comes before its parents {missing}")
        tree = dict(self._trees[commit.parents[0]]) if commit.parents else {}
        for path, content in commit.files.items():
            _check_path(path)
            tree[path] = _object_id(b"blob", content.encode("utf-8"))
        self._trees[commit.key] = tree
        author, committer = _author_and_committer(commit, self._people)
        lines = [f"tree {_tree_id(tree).hex()}"]
        lines += [f"parent {self.shas[p]}" for p in commit.parents]
        lines += [f"author {author}", f"committer {committer}"]
        body = ("\n".join(lines) + "\n\n").encode("utf-8") + commit.message.encode("utf-8")
        sha = _object_id(b"commit", body).hex()
        self.shas[commit.key] = sha
        return sha


def _object_id(kind: bytes, data: bytes) -> bytes:
    return hashlib.sha1(kind + b" " + str(len(data)).encode() + b"\0" + data).digest()


def _tree_id(files: Mapping[str, bytes]) -> bytes:
    """Object id of the tree holding ``files`` (path -> blob id), subtrees built recursively."""
    blobs: dict[str, bytes] = {}
    subdirs: dict[str, dict[str, bytes]] = {}
    for path, blob in files.items():
        head, sep, rest = path.partition("/")
        if sep:
            subdirs.setdefault(head, {})[rest] = blob
        else:
            blobs[head] = blob
    entries = [(name, FILE_MODE, blob) for name, blob in blobs.items()]
    entries += [(name, TREE_MODE, _tree_id(sub)) for name, sub in subdirs.items()]
    # git orders entries by name, comparing a directory's name as if it ended with "/".
    entries.sort(key=lambda e: (e[0] + "/" if e[1] == TREE_MODE else e[0]).encode("utf-8"))
    data = b"".join(f"{mode} {name}".encode() + b"\0" + oid for name, mode, oid in entries)
    return _object_id(b"tree", data)


def _data(text: str) -> bytes:
    raw = text.encode("utf-8")
    return b"data " + str(len(raw)).encode() + b"\n" + raw + b"\n"


def fast_import_stream(
    repo: Repo, people: Mapping[str, Person], tags: Mapping[str, str]
) -> tuple[bytes, dict[int, str]]:
    """The fast-import input for ``repo`` and the mark -> commit key it uses.

    Every commit is written to the default branch ref (which then serves as scratch); roots
    other than the first get a ``reset`` so they have no parent; branch and tag refs are set
    to their tips at the end.
    """
    scratch = f"refs/heads/{repo.default_branch}"
    marks: dict[str, int] = {}
    out: list[bytes] = []
    for number, commit in enumerate(repo.commits, start=1):
        if commit.key in marks:
            raise ValueError(f"{repo.name}: commit key {commit.key!r} appears twice")
        missing = [p for p in commit.parents if p not in marks]
        if missing:
            raise ValueError(f"{repo.name}: commit {commit.key!r} comes before parents {missing}")
        marks[commit.key] = number
        author, committer = _author_and_committer(commit, people)
        if not commit.parents:
            out.append(f"reset {scratch}\n".encode())
        header = [f"commit {scratch}", f"mark :{number}", f"author {author}", f"committer {committer}"]
        out.append(("\n".join(header) + "\n").encode("utf-8"))
        out.append(_data(commit.message))
        if commit.parents:
            out.append(f"from :{marks[commit.parents[0]]}\n".encode())
            out += [f"merge :{marks[p]}\n".encode() for p in commit.parents[1:]]
        for path, content in commit.files.items():
            _check_path(path)
            out.append(f"M {FILE_MODE} inline {path}\n".encode("utf-8"))
            out.append(_data(content))
        out.append(b"\n")
    if repo.default_branch not in repo.branches:
        raise ValueError(f"{repo.name}: default branch {repo.default_branch!r} has no tip")
    refs = [(f"refs/heads/{name}", key) for name, key in sorted(repo.branches.items())]
    refs += [(f"refs/tags/{name}", key) for name, key in sorted(tags.items())]
    for ref, key in refs:
        if key not in marks:
            raise ValueError(f"{repo.name}: {ref} points at unknown commit {key!r}")
        out.append(f"reset {ref}\nfrom :{marks[key]}\n\n".encode("utf-8"))
    out.append(b"done\n")
    return b"".join(out), {n: k for k, n in marks.items()}


def _run_git(args: list[str], stdin: bytes | None = None) -> bytes:
    result = subprocess.run(
        ["git", *args], input=stdin, capture_output=True, env=git_environment(), check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args[:3])} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout


def write_git_repo(
    repo: Repo, people: Mapping[str, Person], path: Path, tags: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Create the bare repository ``path`` (replacing it) and return commit key -> sha."""
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run_git(["init", "--quiet", "--bare", f"--initial-branch={repo.default_branch}", "--template=", str(path)])
    stream, keys_by_mark = fast_import_stream(repo, people, tags or {})
    with tempfile.TemporaryDirectory(prefix="fast-import-") as tmp:
        marks_file = Path(tmp) / "marks"
        _run_git(
            ["--git-dir", str(path), "fast-import", "--quiet", "--done", f"--export-marks={marks_file}"],
            stdin=stream,
        )
        shas: dict[str, str] = {}
        for line in marks_file.read_text().splitlines():
            mark, sha = line.split()
            shas[keys_by_mark[int(mark.lstrip(":"))]] = sha
    return {c.key: shas[c.key] for c in repo.commits}


def release_tags(repo: Repo, releases: Iterable[Release]) -> dict[str, str]:
    """Tag name -> commit key for the releases of ``repo`` (GitHub creates the tag of a release)."""
    return {
        r.tag_name: r.target_commit
        for r in releases
        if r.repo in (repo.name, repo.github_full_name)
    }


def write_git_repos(org: Organisation, git_dir: Path) -> dict[str, dict[str, str]]:
    """Write every repository of ``org`` under ``git_dir``; return repo name -> key -> sha."""
    git_dir = Path(git_dir)
    people = {p.key: p for p in org.people}
    result: dict[str, dict[str, str]] = {}
    for repo in org.repos:
        tags = release_tags(repo, org.releases)
        result[repo.name] = write_git_repo(repo, people, git_dir / repo.name, tags)
        log.info("wrote git repository %s: %d commits, %d branches, %d tags",
                 repo.name, len(repo.commits), len(repo.branches), len(tags))
    return result
