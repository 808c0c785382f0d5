"""CLI commands of the review workflow: ``users``, ``review``, ``db``, ``audit`` and ``kb export``.

Registered on the main CLI by :func:`register` (a thin shell: no logic beyond argument handling; heavy
modules are imported inside the commands). The acting user is ``--user NAME`` (or ``$NEPHROGUIDE_USER``)
authenticated by ``$NEPHROGUIDE_TOKEN`` (an API token; ``--user`` may then be left out) or a password
prompt. Reading commands (list, show, status, audit) need no login: whoever can open the database
can read it. Errors go to ``nephroguide.cli.main`` like every other command's.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

FORMAT = click.Choice(["markdown", "json"])
Emit = Callable[[Any, str, Callable[[Any], str]], None]


def _review() -> Any:
    from nephroguide.review.db import open_store
    from nephroguide.review.service import Review
    from nephroguide.store.paths import home_dir

    return Review(open_store(), home=home_dir())


def _actor(review: Any, user: str | None, *, required: bool = True) -> Any:
    """The acting user: a token from $NEPHROGUIDE_TOKEN, or --user with a password prompt."""
    from nephroguide.errors import AuthenticationError

    token = os.environ.get("NEPHROGUIDE_TOKEN", "").strip()
    name = (user or os.environ.get("NEPHROGUIDE_USER", "")).strip() or None
    if token:
        found = review.user_for_token(token)
        if found is None:
            raise AuthenticationError("is not a valid API token (revoked, or for another store)",
                                      field="NEPHROGUIDE_TOKEN")
        if name and found.name != name:
            raise AuthenticationError(f"belongs to {found.name}, not {name}", field="NEPHROGUIDE_TOKEN")
        return found
    if name is None:
        if not required:
            return None
        raise AuthenticationError("say who you are: --user NAME with NEPHROGUIDE_TOKEN set, or a password at the "
                                  "prompt", field="user")
    password = click.prompt(f"Password for {name}", hide_input=True, err=True)
    return review.login(name, password, ip="cli", via="cli")[0]


def _user_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--user", "user", metavar="NAME",
                         help="Acting user (default $NEPHROGUIDE_USER); authenticated by $NEPHROGUIDE_TOKEN or a "
                              "password prompt.")(f)


def _read_content(path: str) -> Any:
    from nephroguide.errors import InputError
    from nephroguide.review.content import parse_text

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", field="file") from None
    return parse_text(text, field="file")


# ------------------------------------------------------------------------------------------------ markdown

def _cell(x: Any) -> str:
    return str("" if x is None else x).replace("|", "\\|").replace("\n", " ")


def _table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    if not rows:
        return "(none)\n"
    out = "| " + " | ".join(cols) + " |\n|" + "---|" * len(cols) + "\n"
    for r in rows:
        out += "| " + " | ".join(_cell(r.get(c)) for c in cols) + " |\n"
    return out


def proposals_md(d: dict[str, Any]) -> str:
    text = "## Proposals\n\n" + _table(d["proposals"], ["id", "kb_id", "action", "number", "state", "author",
                                                       "reviewer", "created_at", "stale"])
    if d.get("articles") is not None:
        text += "\n## Articles\n\n" + _table(d["articles"], ["id", "question", "audience", "state", "author",
                                                            "reviewer", "last_updated"])
    return text


def proposal_md(p: dict[str, Any]) -> str:
    lines = [f"# Proposal {p['id']}: {p['action']} {p['kb_id']} (v{p['number']})", "",
             f"- state: **{p['state']}** (state version {p['state_version']})",
             f"- author: {p['author']}; reviewer: {p['reviewer'] or '—'}",
             f"- created: {p['created_at']}; decided: {p['decided_at'] or '—'}",
             f"- content hash: `{p['content_hash']}`" + (f"; approved hash: `{p['approved_hash']}`"
                                                         if p['approved_hash'] else ""),
             f"- file: {p['file']}; current approved version: v{p['current_number'] or '—'}"
             + (" — **stale**: the entry changed since; the author must revise" if p.get("stale") else "")]
    if p.get("comment"):
        lines += ["", "Comment: " + p["comment"]]
    if p.get("review_comment"):
        lines += ["", "Reviewer: " + p["review_comment"]]
    lines += ["", "```diff", p["diff"].rstrip("\n") or "(no change: confirms the current version)", "```", "",
              "## History", ""]
    lines += [f"- {h['at']} {h['actor']}: {h['action']}" for h in p.get("history", [])]
    return "\n".join(lines) + "\n"


def article_md(a: dict[str, Any]) -> str:
    lines = [f"# Article {a['id']}: {a['question']}", "", f"- audience: {a['audience']}",
             f"- state: **{a['state']}** (state version {a['state_version']})",
             f"- author: {a['author']}; reviewer: {a['reviewer'] or '—'}; last updated: {a['last_updated'] or '—'}"]
    if a.get("note"):
        lines.append(f"- note: {a['note']}")
    lines += ["", "## Knowledge it rests on", ""]
    lines += [f"- {e['kb_id']}" + (" (changed since approval)" if e["changed_since_approval"] else "")
              for e in a.get("entries", [])]
    lines += ["", "## History", ""] + [f"- {h['at']} {h['actor']}: {h['action']}" for h in a.get("history", [])]
    return "\n".join(lines) + "\n"


def audit_md(d: dict[str, Any]) -> str:
    rows = [{**r, "detail": json.dumps(r["detail"], ensure_ascii=False)[:120]} for r in d["rows"]]
    return _table(rows, ["seq", "at", "actor", "action", "subject", "detail"])


def verify_md(v: dict[str, Any]) -> str:
    if v["ok"]:
        return f"ok: the audit log's {v['rows']} rows form an unbroken chain\n"
    return f"BROKEN at row {v['first_broken']}: {v['reason']} ({v['rows']} rows checked before it)\n"


# ------------------------------------------------------------------------------------------------ commands

def register(cli: click.Group, kb: click.Group, home_option: Callable[..., Any], emit: Emit) -> None:
    """Add the review workflow's commands to the main CLI."""

    # -------------------------------------------------------------------------------------- users
    @cli.group("users")
    def users_group() -> None:
        """Accounts and roles of the review workflow (reader, editor, reviewer, admin)."""

    @users_group.command("add")
    @click.argument("name")
    @click.option("--role", type=click.Choice(["reader", "editor", "reviewer", "admin"]), required=True)
    @click.option("--password-stdin", is_flag=True, help="Read the new account's password from standard input.")
    @click.option("--no-password", is_flag=True, help="No password: the account uses API tokens only.")
    @click.option("--token", "with_token", is_flag=True, help="Also create an API token and print it (shown once).")
    @_user_option
    @home_option
    def users_add(name: str, role: str, password_stdin: bool, no_password: bool, with_token: bool,
                  user: str | None) -> None:
        """Add an account (the first account must be an admin and needs no login; later ones need an admin)."""
        review = _review()
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        elif not no_password and sys.stdin.isatty():
            password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True, err=True)
        # The first account (bootstrap) needs no acting user: never ask for one, even with --user/$NEPHROGUIDE_USER.
        actor = _actor(review, user, required=False) if review.list_users() else None
        created = review.add_user(actor, name, role, password, ip="cli")
        click.echo(f"added {created.name} ({created.role})", err=True)
        if with_token:
            token = review.create_token(actor, created.name, "created with the account", ip="cli",
                                        bootstrap=actor is None)
            click.echo(token)
            click.echo("(the token is shown once; keep it as NEPHROGUIDE_TOKEN)", err=True)

    @users_group.command("list")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def users_list(fmt: str) -> None:
        """The accounts, their roles and how many live API tokens each has."""
        rows = _review().list_users()
        emit({"record": "nephroguide.users/1", "users": rows}, fmt,
             lambda d: _table(d["users"], ["name", "role", "active", "password", "tokens", "created_at",
                                           "created_by"]))

    @users_group.command("set-role")
    @click.argument("name")
    @click.argument("role", type=click.Choice(["reader", "editor", "reviewer", "admin"]))
    @_user_option
    @home_option
    def users_set_role(name: str, role: str, user: str | None) -> None:
        """Change an account's role (admins only; the last admin stays an admin)."""
        review = _review()
        changed = review.set_role(_actor(review, user), name, role, ip="cli")
        click.echo(f"{changed.name} is now {changed.role}")

    @users_group.command("token")
    @click.argument("name")
    @click.option("--label", default="", help="What the token is for (shown in the audit log).")
    @click.option("--revoke", is_flag=True, help="Revoke all of the account's tokens instead.")
    @_user_option
    @home_option
    def users_token(name: str, label: str, revoke: bool, user: str | None) -> None:
        """Create an API token for your own account (printed once), or revoke an account's tokens (yourself or an
        admin). A token for someone else is refused and audited; an admin gives a new account its first token
        with `users add NAME --token`."""
        review = _review()
        actor = _actor(review, user)
        if revoke:
            click.echo(f"revoked {review.revoke_tokens(actor, name, ip='cli')} tokens of {name}")
            return
        click.echo(review.create_token(actor, name, label, ip="cli"))
        click.echo("(the token is shown once; keep it as NEPHROGUIDE_TOKEN)", err=True)

    @users_group.command("password")
    @click.argument("name")
    @click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
    @_user_option
    @home_option
    def users_password(name: str, password_stdin: bool, user: str | None) -> None:
        """Set an account's password (the user themself or an admin); ends its web sessions."""
        review = _review()
        actor = _actor(review, user)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt(f"New password for {name}", hide_input=True, confirmation_prompt=True, err=True)
        review.set_password(actor, name, password, ip="cli")
        click.echo(f"password of {name} changed")

    # -------------------------------------------------------------------------------------- review
    @cli.group("review")
    def review_group() -> None:
        """Propose, review and approve changes to the knowledge (docs/review.md)."""

    @review_group.command("list")
    @click.option("--state", help="open, draft, submitted, under_review, changes_requested, approved, withdrawn")
    @click.option("--kb-id", "kb_id", help="Only proposals for this entry.")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def review_list(state: str | None, kb_id: str | None, fmt: str) -> None:
        """Proposals (newest first) and published articles."""
        review = _review()
        data = {"record": "nephroguide.proposals/1", "proposals": review.list_proposals(state=state, kb_id=kb_id),
                "articles": None if kb_id else review.list_articles()}
        emit(data, fmt, proposals_md)

    @review_group.command("show")
    @click.argument("id_")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def review_show(id_: str, fmt: str) -> None:
        """One proposal (12) with its diff and history, or one article (A3)."""
        review = _review()
        if id_.strip().upper().startswith("A"):
            emit(review.article(id_), fmt, article_md)
        else:
            emit(review.proposal(id_), fmt, proposal_md)

    @review_group.command("propose")
    @click.argument("kb_id")
    @click.option("--file", "file_", type=click.Path(dir_okay=False, allow_dash=True),
                  help="The entry as YAML or JSON ('-' = stdin). Without it (and without --retire): confirm the "
                       "current version unchanged, for a reviewer to approve.")
    @click.option("--kind", help="For a new entry: recommendations, dose_rules, cautions, conflicts, studies, "
                                 "definitions, sources, drugs, grade_scales, definition_sets.")
    @click.option("--pack-file", "pack_file", help="For a new entry: the pack file it goes to (default by kind).")
    @click.option("--retire", is_flag=True, help="Propose to retire the entry.")
    @click.option("--comment", default="", help="Why (shown to the reviewer).")
    @click.option("--submit", is_flag=True, help="Submit for review at once (default: a draft).")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @_user_option
    @home_option
    def review_propose(kb_id: str, file_: str | None, kind: str | None, pack_file: str | None, retire: bool,
                       comment: str, submit: bool, fmt: str, user: str | None) -> None:
        """Propose a new version of KB_ID (edit, add with --kind, or --retire); validated before it is saved."""
        from nephroguide.errors import UsageError

        if retire and file_:
            raise UsageError("--retire takes no --file", field="file")
        review = _review()
        actor = _actor(review, user)
        content = _read_content(file_) if file_ else None
        action = "retire" if retire else ("add" if kind else "edit")
        p = review.propose(actor, kb_id, content, action=action, kind=kind, file=pack_file, comment=comment,
                           submit=submit, ip="cli")
        click.echo(f"proposal {p['id']}: {p['action']} {p['kb_id']} v{p['number']} ({p['state']})", err=True)
        emit(p, fmt, proposal_md)

    @review_group.command("revise")
    @click.argument("id_")
    @click.option("--file", "file_", type=click.Path(dir_okay=False, allow_dash=True),
                  help="The entry as YAML or JSON ('-' = stdin).")
    @click.option("--comment", default=None)
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @_user_option
    @home_option
    def review_revise(id_: str, file_: str | None, comment: str | None, fmt: str, user: str | None) -> None:
        """Rewrite your draft or a proposal sent back with changes requested (against the current version)."""
        review = _review()
        actor = _actor(review, user)
        emit(review.revise(actor, id_, _read_content(file_) if file_ else None, comment=comment, ip="cli"), fmt,
             proposal_md)

    def _transition(name: str, help_: str, needs_comment: bool = False) -> None:
        @review_group.command(name, help=help_)
        @click.argument("id_")
        @click.option("--comment", default="", required=needs_comment, help="Required when requesting changes.")
        @click.option("--expected", "expected", type=int,
                      help="Refuse (409) unless the proposal's state version is still this (as shown by `show`).")
        @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
        @_user_option
        @home_option
        def command(id_: str, comment: str, expected: int | None, fmt: str, user: str | None) -> None:
            review = _review()
            actor = _actor(review, user)
            action = name.replace("-", "_")
            if id_.strip().upper().startswith("A"):
                emit(review.act_article(actor, id_, action, expected=expected, comment=comment, ip="cli"), fmt,
                     article_md)
            else:
                emit(review.act(actor, id_, action, expected=expected, comment=comment, ip="cli"), fmt, proposal_md)

    _transition("submit", "Submit your proposal (or an article sent back) for review.")
    _transition("start", "Start reviewing a submitted proposal or article (reviewers).")
    _transition("approve", "Approve a proposal or article (reviewers; never your own). Records the content hash.")
    _transition("request-changes", "Send a proposal or article back to its author with --comment (reviewers).",
                needs_comment=True)
    _transition("withdraw", "Withdraw your proposal or article.")

    @review_group.command("publish")
    @click.argument("question")
    @click.option("--audience", type=click.Choice(["clinician", "family", "student"]), default="clinician",
                  show_default=True)
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @_user_option
    @home_option
    def review_publish(question: str, audience: str, fmt: str, user: str | None) -> None:
        """Publish a canonical question as an article (submitted for review; it records the entries it uses)."""
        review = _review()
        emit(review.publish_article(_actor(review, user), question, audience, ip="cli"), fmt, article_md)

    @review_group.command("status")
    @click.argument("kb_ids", nargs=-1, required=True)
    @home_option
    def review_status_cmd(kb_ids: tuple[str, ...]) -> None:
        """The review status an answer resting on these knowledge ids would show (JSON)."""
        from nephroguide.review import review_status

        _review()  # make sure the store exists and is up to date
        emit(review_status(list(kb_ids)), "json", str)

    # -------------------------------------------------------------------------------------- db, audit, export
    @cli.group("db")
    def db_group() -> None:
        """The review store's database (SQLite under the home, or $NEPHROGUIDE_DATABASE_URL)."""

    @db_group.command("upgrade")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def db_upgrade(fmt: str) -> None:
        """Apply pending migrations and seed an empty store from the shipped pack (a no-op when up to date)."""
        from nephroguide.review.db import engine_for, store_url, upgrade

        report = upgrade(engine_for(store_url())).to_json()
        emit(report, fmt, lambda r: (f"{r['database']}: schema {r['before'] or 'none'} -> {r['after']}"
                                     f"{' (migrated)' if r['migrated'] else ' (up to date)'}; "
                                     f"seeded from pack {r['seeded_pack_version']}"
                                     f"{' now: ' + str(r['seeded_entries']) + ' entries' if r['seeded_entries'] else ''}"))

    @cli.group("audit")
    def audit_group() -> None:
        """The tamper-evident audit log of the review workflow."""

    @audit_group.command("verify")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def audit_verify(fmt: str) -> None:
        """Recompute the hash chain; exit 2 and name the first broken row if it was tampered with."""
        result = _review().audit_verify()
        emit(result, fmt, verify_md)
        if not result["ok"]:
            click.echo(f"error: audit log broken at row {result['first_broken']}: {result['reason']}", err=True)
            sys.exit(2)

    @audit_group.command("list")
    @click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
    @click.option("--before", type=click.IntRange(1, 2**63 - 1), metavar="SEQ",
                  help="Only rows before this sequence number (paging).")
    @click.option("--actor", help="Only rows by this account.")
    @click.option("--action", help="Only this action (login.failed, proposal.approve, user.role, ...).")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @home_option
    def audit_list(limit: int, before: int | None, actor: str | None, action: str | None, fmt: str) -> None:
        """The newest audit rows first: who did what, when."""
        rows = _review().audit_rows(limit=limit, before=before, who=actor, action=action)
        emit({"record": "nephroguide.audit/1", "rows": rows}, fmt, audit_md)

    @kb.command("export")
    @click.option("--to", "to", type=click.Path(file_okay=False),
                  help="Write to this new directory instead of serving it from <home>/pack.")
    @click.option("--format", "fmt", type=FORMAT, default="markdown", show_default=True)
    @_user_option
    @home_option
    def kb_export(to: str | None, fmt: str, user: str | None) -> None:
        """Write the approved knowledge back to pack files; without --to, the engine then serves them."""
        import getpass

        review = _review()
        actor = _actor(review, user, required=False)
        report = review.export(actor, to=Path(to) if to else None,
                               actor_name=None if actor else f"local:{getpass.getuser()}"[:64], ip="cli")
        emit(report, fmt, lambda r: f"exported {r['entries']} approved entries to {r['directory']} "
                                    f"(pack {r['pack_version']}{', now served' if r['served'] else ''})")
