"""Runs the repository's GitHub Action (action.yml) end to end, as a runner
runs a composite action, against a local server that plays GitHub's REST
API for one pull request's comments.

Each step of `runs.steps` is run the way GitHub runs `shell: bash`
(`bash --noprofile --norc -eo pipefail FILE`), in the workspace (a git
repository checked out at the pull request's head, with its base commit),
with the runner's variables (GITHUB_ACTION_PATH, RUNNER_TEMP,
GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH, GITHUB_REPOSITORY,
GITHUB_API_URL) and the step's `env`, every `${{ ... }}` evaluated from the
inputs, `github.token` and the event; an expression this runner does not
know fails the test, so a typo in action.yml cannot pass.

A step that `uses: actions/cache@v4` is played as that action does: its
`path` restored from a local directory of saved caches when its `key` is
there, and saved under the key after the job's steps have succeeded when
it was not (an exact hit saves nothing).

Scenario: the Action installs the release in DIST (checked against its
SHA256SUMS), reviews the pull request and comments; a second push edits
that same comment (another user's comment is untouched) and reviews with
the store the first run saved: the base is not built again; a pull request
from a fork (a read-only token: GitHub answers 403) keeps the review in
the job's summary, warns, and the job still succeeds.

Usage: python3 action_test.py ACTION_DIR DIST WORKDIR FIXTURE
"""

import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading

import yaml

ACTION_DIR, DIST, WORK, FIXTURE = sys.argv[1:5]
REPO = "octo/demo"
NUMBER = 7
TOKEN = "ghs_actions_token"


def fail(message):
    sys.exit(f"action-test: FAILED: {message}")


class GitHub:
    """The pull request's comments, and who asked for what."""

    def __init__(self):
        self.comments = [{"id": 1, "body": "LGTM", "user": "someone"}]
        self.requests = []
        self.read_only = False
        self.lock = threading.Lock()


def serve(github):
    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def comment(self, c):
            url = f"https://github.test/{REPO}/pull/{NUMBER}#issuecomment-{c['id']}"
            return {"id": c["id"], "body": c["body"], "html_url": url}

        def handle_any(self, method):
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"null")
            path = self.path.split("?")[0]
            with github.lock:
                github.requests.append((method, path, self.headers.get("authorization")))
                if self.headers.get("authorization") != f"Bearer {TOKEN}":
                    return self.reply(401, {"message": "Bad credentials"})
                listing = f"/repos/{REPO}/issues/{NUMBER}/comments"
                if method == "GET" and path == listing:
                    page = int(re.search(r"[?&]page=(\d+)", self.path).group(1))
                    items = github.comments if page == 1 else []
                    return self.reply(200, [self.comment(c) for c in items])
                if method in ("POST", "PATCH") and github.read_only:
                    return self.reply(403, {"message": "Resource not accessible by integration"})
                if method == "POST" and path == listing:
                    c = {"id": 100 + len(github.comments), "body": body["body"], "user": "doctown"}
                    github.comments.append(c)
                    return self.reply(201, self.comment(c))
                edit = re.fullmatch(rf"/repos/{REPO}/issues/comments/(\d+)", path)
                if method == "PATCH" and edit:
                    for c in github.comments:
                        if c["id"] == int(edit.group(1)):
                            c["body"] = body["body"]
                            return self.reply(200, self.comment(c))
                return self.reply(404, {"message": "Not Found"})

        def do_GET(self):
            self.handle_any("GET")

        def do_POST(self):
            self.handle_any("POST")

        def do_PATCH(self):
            self.handle_any("PATCH")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def git(cwd, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@example.test",
               GIT_COMMITTER_NAME="a", GIT_COMMITTER_EMAIL="a@example.test")
    out = subprocess.run(["git", *args], cwd=cwd, env=env, check=True,
                         capture_output=True, text=True)
    return out.stdout.strip()


def workspace(path):
    """The fixture at a base commit, then a head commit that changes a function."""
    shutil.copytree(FIXTURE, path)
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "-A")
    git(path, "commit", "-qm", "base")
    base = git(path, "rev-parse", "HEAD")
    return base


def push(path, n):
    """A commit on the pull request: a function added to pyapp/models.py."""
    with open(os.path.join(path, "pyapp", "models.py"), "a") as f:
        f.write(f"\n\ndef pushed_{n}(x):\n    return x + {n}\n")
    git(path, "commit", "-qam", f"push {n}")


def builds_at(store, commit):
    """The jobs of the store `store` that built the ref `commit`."""
    jobs = os.path.join(store, "jobs")
    found = set()
    for job in os.listdir(jobs) if os.path.isdir(jobs) else []:
        state = os.path.join(jobs, job, "state.json")
        if os.path.isfile(state):
            with open(state) as f:
                if json.load(f)["input"].get("ref") == commit:
                    found.add(job)
    return found


EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")


def evaluate(text, context):
    def one(match):
        name = match.group(1)
        value = context
        for part in name.split("."):
            if not isinstance(value, dict) or part not in value:
                fail(f"action.yml uses ${{{{ {name} }}}}, which a pull_request job does not have")
            value = value[part]
        return str(value).lower() if isinstance(value, bool) else str(value)

    return EXPRESSION.sub(one, text)


class Caches:
    """actions/cache's saved caches, each a directory named by its key."""

    def __init__(self, root):
        self.root = root
        self.saved = []

    def step(self, step, context):
        """Restores `path` when `key` was saved; returns what to save after
        the job, (path, key), or None on an exact hit."""
        given = step.get("with") or {}
        unknown = set(given) - {"path", "key"}
        if unknown:
            fail(f"actions/cache input(s) this runner does not play: {sorted(unknown)}")
        path, key = (evaluate(str(given[k]), context) for k in ("path", "key"))
        if not os.path.isabs(path):
            fail(f"the cache's path {path!r} is not absolute")
        saved = os.path.join(self.root, key)
        if os.path.isdir(saved):
            shutil.copytree(saved, path, symlinks=True, dirs_exist_ok=True)
            return None
        return path, key

    def save(self, path, key):
        if not os.path.isdir(path):
            fail(f"the cache's path {path} is not there to save after the job")
        shutil.copytree(path, os.path.join(self.root, key), symlinks=True)
        self.saved.append(key)


def step_outputs(path):
    """A step's outputs, as it wrote them to GITHUB_OUTPUT (`name=value` lines)."""
    found = {}
    with open(path) as f:
        for line in f.read().splitlines():
            name, sep, value = line.partition("=")
            if not sep or "<<" in name:
                fail(f"a GITHUB_OUTPUT line this runner does not read: {line!r}")
            found[name] = value
    return found


def run_action(action, ws, event, temp, inputs, api, caches):
    """Runs every step; returns (exit status of the first failing step or 0, stdout+stderr)."""
    event_path = os.path.join(temp, "event.json")
    with open(event_path, "w") as f:
        json.dump(event, f)
    summary = os.path.join(temp, "summary.md")
    open(summary, "w").close()
    defaults = {k: str(v.get("default", "")) for k, v in action.get("inputs", {}).items()}
    for name in inputs:
        if name not in defaults:
            fail(f"input {name} is not declared in action.yml")
    context = {
        "inputs": {**defaults, **inputs},
        "github": {"token": TOKEN, "event": event, "repository": REPO, "api_url": api},
        "runner": {"temp": temp, "os": "Linux"},
        "steps": {},
    }
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.path.join(temp, "home"),
        "DOCTOWN_CACHE": os.path.join(temp, "cache"),
        "GITHUB_ACTION_PATH": ACTION_DIR,
        "GITHUB_ACTIONS": "true",
        "GITHUB_API_URL": api,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": event_path,
        "GITHUB_STEP_SUMMARY": summary,
        "GITHUB_WORKSPACE": ws,
        "RUNNER_TEMP": temp,
    }
    os.makedirs(base_env["HOME"], exist_ok=True)
    log = []
    to_save = []
    for i, step in enumerate(action["runs"]["steps"]):
        if step.get("uses") == "actions/cache@v4":
            to_save.append(caches.step(step, context))
            continue
        if step.get("shell") != "bash":
            fail(f"step {i} is neither a bash step nor actions/cache@v4")
        env = dict(base_env)
        for key, value in (step.get("env") or {}).items():
            env[key] = evaluate(str(value), context)
        outputs = os.path.join(temp, f"step-{i}.outputs")
        open(outputs, "w").close()
        env["GITHUB_OUTPUT"] = outputs
        script = os.path.join(temp, f"step-{i}.sh")
        with open(script, "w") as f:
            f.write(evaluate(step["run"], context))
        done = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                              cwd=ws, env=env, capture_output=True, text=True)
        log.append(f"--- {step.get('name')}\n{done.stdout}{done.stderr}")
        if done.returncode != 0:
            return done.returncode, "\n".join(log), open(summary).read()
        if "id" in step:
            context["steps"][step["id"]] = {"outputs": step_outputs(outputs)}
    for saving in filter(None, to_save):
        caches.save(*saving)
    return 0, "\n".join(log), open(summary).read()


def main():
    with open(os.path.join(ACTION_DIR, "action.yml")) as f:
        action = yaml.safe_load(f)
    if action["runs"]["using"] != "composite":
        fail("action.yml is not a composite action")
    github = GitHub()
    api = serve(github)
    ws = os.path.join(WORK, "workspace")
    base = workspace(ws)
    push(ws, 1)
    event = {"action": "opened", "number": NUMBER,
             "pull_request": {"number": NUMBER, "base": {"sha": base}, "head": {"sha": git(ws, "rev-parse", "HEAD")}}}

    caches = Caches(os.path.join(WORK, "actions-cache"))

    def run(n, what):
        """The Action's run `n`, which must succeed: its log and summary."""
        temp = os.path.join(WORK, f"run-{n}")
        os.makedirs(temp)
        status, log, summary = run_action(action, ws, event, temp, {"from": DIST}, api, caches)
        if status != 0:
            fail(f"{what} exited {status}:\n{log}")
        return log, summary

    # 1. The pull request is opened: installed, reviewed, commented.
    log, summary = run(1, "the first run")
    if "## Doctown review" not in summary:
        fail(f"the job summary has no review:\n{summary}\n{log}")
    ours = [c for c in github.comments if c["user"] == "doctown"]
    if len(ours) != 1 or "## Doctown review" not in ours[0]["body"]:
        fail(f"one review comment expected, got {github.comments}\n{log}")
    if "pushed_1" not in ours[0]["body"]:
        fail(f"the review does not name the added function:\n{ours[0]['body']}")

    if len(caches.saved) != 1:
        fail(f"the first run saved {caches.saved}, not one store")
    with open(os.path.join(WORK, "run-1", "doctown", "bin", "doctown"), "rb") as f:
        binary = hashlib.sha256(f.read()).hexdigest()[:16]
    if binary not in caches.saved[0] or base not in caches.saved[0]:
        fail(f"the cache's key {caches.saved[0]} does not name the binary {binary} and the base {base}")
    saved = os.path.join(caches.root, caches.saved[0])
    if len(builds_at(saved, base)) != 1:
        fail(f"the saved store does not hold one build of the base: {builds_at(saved, base)}")

    # 2. Another push: the same comment is edited; the other one untouched.
    # The first run's store is restored: its build of the base is reused.
    push(ws, 2)
    event["action"] = "synchronize"
    event["pull_request"]["head"]["sha"] = git(ws, "rev-parse", "HEAD")
    log, _ = run(2, "the second run")
    restored = os.path.join(WORK, "run-2", "doctown-store")
    if builds_at(restored, base) != builds_at(saved, base):
        fail(f"the second run built the base again instead of restoring it:\n{log}")
    if len(caches.saved) != 1:
        fail(f"an exact hit saved the store again: {caches.saved}")
    ours = [c for c in github.comments if c["user"] == "doctown"]
    if len(ours) != 1 or "pushed_2" not in ours[0]["body"]:
        fail(f"the comment was not edited in place: {github.comments}")
    if github.comments[0] != {"id": 1, "body": "LGTM", "user": "someone"}:
        fail(f"another user's comment changed: {github.comments[0]}")
    if not any(m == "PATCH" for m, _, _ in github.requests):
        fail("no comment was edited")

    # 3. A pull request from a fork: a read-only token. The review stays in
    # the summary, the job warns and still succeeds.
    github.read_only = True
    before = json.dumps(github.comments)
    log, summary = run(3, "a fork's run")
    if "## Doctown review" not in summary:
        fail("a fork's review is not in the summary")
    if "::warning::" not in log or "403" not in log:
        fail(f"a fork's refused comment did not warn with GitHub's answer:\n{log}")
    if json.dumps(github.comments) != before:
        fail("a read-only token changed the comments")
    print("action-test: ok (install, review, comment, cache, edit, fork)")


main()
