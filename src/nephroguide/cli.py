"""The ``nephroguide`` command: a thin shell over the Python API.

Rules for this file: no clinical logic; heavy modules are imported inside the command that needs
them (start-up stays lean); every error is mapped to an exit code in ``main`` and nowhere else.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from nephroguide.errors import InputError, NephroguideError, NotCoveredError, UsageError

FORMATS_MD_JSON = click.Choice(["markdown", "json"])


def _home_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--home DIR``: where state lives (overrides $NEPHROGUIDE_HOME and the platform default)."""

    def remember(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
        if value:
            os.environ["NEPHROGUIDE_HOME"] = value
        return value

    return click.option("--home", type=click.Path(file_okay=False), callback=remember, expose_value=False,
                        is_eager=True, help="Directory for stored state (default: $NEPHROGUIDE_HOME or the user data dir).")(f)


def emit(result: Any, fmt: str, markdown: Callable[[Any], str]) -> None:
    """Print a result object as JSON (its ``to_json()``/dict form) or as Markdown."""
    if fmt == "json":
        data = result.to_json() if hasattr(result, "to_json") else result
        click.echo(json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False))
    else:
        click.echo(markdown(result))


class _Group(click.Group):
    """Lists commands in the order they were added (the order the README introduces them)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="nephroguide")
def cli() -> None:
    """nephroguide: cited, graded decision support for childhood idiopathic nephrotic syndrome."""


# ----------------------------------------------------------------------------------------- plan

@cli.command()
@click.argument("patient", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--as-of", "as_of", help="Date the question is asked (YYYY-MM-DD); default: the record's as_of, else today.")
@click.option("--definitions", default="current", show_default=True,
              help="Definition set name (current, kdigo2012, ...) or a path to a definition-set file.")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def plan(patient: str, as_of: str | None, definitions: str, fmt: str) -> None:
    """Classify a child's course and list ranked, cited, dosed next steps."""
    from nephroguide import api
    from nephroguide.answer.render_plan import plan_markdown
    from nephroguide.knowledge.pack import core_only_pack

    with core_only_pack():  # no question answered: the facts/answers files need not be parsed
        result = api.plan(_read_patient_arg(patient), as_of=as_of, definitions=definitions)
        emit(result, fmt, plan_markdown)
    if result.out_of_scope:
        sys.exit(NotCoveredError.exit_code)


@cli.command()
@click.argument("drug")
@click.option("--weight", type=float, required=True, help="Body weight in kg.")
@click.option("--height", type=float, help="Height in cm (needed for mg/m² doses).")
@click.option("--indication", help="first_episode, relapse, frns, sdns, srns, cni_resistant, maintenance, edema, ...")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
def dose(drug: str, weight: float, height: float | None, indication: str | None, fmt: str) -> None:
    """Compute a dose from the knowledge pack's dose rules, with caps, ranges and sources."""
    from nephroguide import api
    from nephroguide.answer.render_plan import dose_markdown
    from nephroguide.knowledge.pack import core_only_pack

    with core_only_pack():  # no question answered: the facts/answers files need not be parsed
        emit(api.dose(drug, weight_kg=weight, height_cm=height, indication=indication), fmt, dose_markdown)


@cli.command()
@click.argument("patient", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--as-of", "as_of", help="Date the question is asked (YYYY-MM-DD).")
@click.option("--definitions", default="current", show_default=True)
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
def remission(patient: str, as_of: str | None, definitions: str, fmt: str) -> None:
    """Show the remission / relapse timeline of a child's urine results."""
    from nephroguide import api
    from nephroguide.answer.render_plan import remission_markdown
    from nephroguide.knowledge.pack import core_only_pack

    with core_only_pack():  # no question answered: the facts/answers files need not be parsed
        emit(api.remission(_read_patient_arg(patient), as_of=as_of, definitions=definitions),
             fmt, remission_markdown)


# ----------------------------------------------------------------------------------------- kb / schema

@cli.group()
def kb() -> None:
    """Inspect and validate the knowledge pack."""


@kb.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=True))
def kb_validate(directory: str | None) -> None:
    """Validate the shipped pack, a pack directory, or a definition-set file."""
    from nephroguide.knowledge.pack import PACK_DIR, build_pack, load_definition_set_file, load_pack

    if directory and Path(directory).is_file():
        dset = load_definition_set_file(Path(directory), load_pack())
        click.echo(f"ok: definition set {dset.id} ({directory})")
        return
    pack = build_pack(Path(directory) if directory else PACK_DIR)
    counts = ", ".join(f"{n} {k}" for k, n in pack.counts().items())
    click.echo(f"ok: knowledge pack {pack.version}: {counts}")


@kb.command("stats")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
def kb_stats(fmt: str) -> None:
    """Counts of entries by kind, verification status and grade strength."""
    from nephroguide.knowledge.stats import pack_stats, stats_markdown

    emit(pack_stats(), fmt, stats_markdown)


@kb.command("show")
@click.argument("kb_id")
def kb_show(kb_id: str) -> None:
    """Print one knowledge entry as JSON (recommendation, dose rule, caution, conflict, study, definition)."""
    from nephroguide.knowledge.pack import load_pack

    entry = load_pack().entry(kb_id)
    emit(entry.model_dump(mode="json", by_alias=True, exclude_none=True), "json", str)


@cli.command()
@click.argument("name")
def schema(name: str) -> None:
    """Print the JSON Schema of a document: patient, plan, dose, remission, kb, definition-set, ..."""
    from nephroguide.schemas import json_schema

    click.echo(json.dumps(json_schema(name), indent=2, ensure_ascii=False))


# ----------------------------------------------------------------------------------------- evidence library

@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def ingest(paths: tuple[str, ...], fmt: str) -> None:
    """Add papers and guidelines (PDF, text, JATS or PubMed XML; files or directories) to the library.

    Exit 0 when every file was ingested or skipped as a duplicate, 2 when any file failed (the others
    are still ingested).
    """
    from nephroguide.library import ingest as library_ingest
    from nephroguide.library.ingest import ingest_markdown

    report = library_ingest(list(paths))
    emit(report, fmt, ingest_markdown)
    if report.failed:  # exit 2 with one line on stderr; the report above lists every file's reason
        failed = [f for f in report.files if f.status == "error"]
        raise InputError(f"{len(failed)} of {len(report.files)} files could not be ingested "
                         f"(first: {failed[0].path}: {failed[0].reason})", field="paths")


@cli.group("library")
def library_group() -> None:
    """List, show and remove documents of the evidence library."""


@library_group.command("list")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def library_list(fmt: str) -> None:
    """The documents in the library."""
    from nephroguide.library import list_documents
    from nephroguide.library.render import documents_markdown

    docs = list_documents()
    emit({"record": "nephroguide.library/1", "documents": docs}, fmt, documents_markdown)


@library_group.command("show")
@click.argument("doc_id")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def library_show(doc_id: str, fmt: str) -> None:
    """One document: metadata, sections and passages (DOC_ID or a unique prefix)."""
    from nephroguide.library import show_document
    from nephroguide.library.render import document_markdown

    emit({"record": "nephroguide.document/1", **show_document(doc_id)}, fmt, document_markdown)


@library_group.command("remove")
@click.argument("doc_id")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def library_remove(doc_id: str, fmt: str) -> None:
    """Delete a document and its passages from the library."""
    from nephroguide.library import remove_document

    removed = remove_document(doc_id)
    emit({"record": "nephroguide.removed/1", "removed": removed}, fmt,
         lambda d: f"removed {d['removed']['doc_id']}: {d['removed']['citation']} ({d['removed']['n_passages']} passages)")


@cli.command("search")
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(1, 200), default=10, show_default=True, help="Number of passages.")
@click.option("--format", "fmt", type=FORMATS_MD_JSON, default="markdown", show_default=True)
@_home_option
def search_cmd(query: str, k: int, fmt: str) -> None:
    """Search the evidence library: passages with citation, section, page and highlighted terms."""
    from nephroguide.library import search as library_search
    from nephroguide.library.search import search_markdown

    result = library_search(query, k=k)
    emit(result, fmt, search_markdown)
    if not result.hits and result.message and fmt == "json":
        click.echo(result.message, err=True)


# ----------------------------------------------------------------------------------------- cohort

@cli.command("cohort")
@click.argument("labs", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--patients", "patients", type=click.Path(dir_okay=False),
              help="patients.csv: patient_id, optional birth_date, and any descriptive columns (kept as written).")
@click.option("--definitions", help="Definition set name (current, kdigo2012, haddad2021, choudhry2009) or a "
                                    "definition-set file.  [default: current]")
@click.option("--compare", "compare_sets", help="Two definition sets side by side, e.g. current,haddad2021.")
@click.option("--index-event", "index_event",
              help="Event that sets time zero (ctx_infusion, cni_start, ...); default: each patient's first measurement.")
@click.option("--index-from", "index_from", type=click.Choice(["auto", "first", "last"]), default="auto",
              show_default=True, help="Which of a patient's index events: auto = last for *_infusion, *_pulse and "
                                      "*_dose events, first otherwise.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "csv"]), default="markdown", show_default=True)
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), help="Write the per-patient UPCR figure (.png or .svg).")
@click.option("--swimmer", "swimmer_path", type=click.Path(dir_okay=False),
              help="Write a swimmer plot of each patient's course from time zero (.png or .svg).")
@click.option("--km", "km_path", type=click.Path(dir_okay=False),
              help="Write the Kaplan-Meier curve of time to complete remission with numbers at risk (.png or .svg).")
@click.option("--output", "output", type=click.Path(dir_okay=False), help="Write the result to this file, not standard output.")
def cohort_cmd(labs: str, patients: str | None, definitions: str | None, compare_sets: str | None,
               index_event: str | None, index_from: str, fmt: str, plot_path: str | None, swimmer_path: str | None,
               km_path: str | None, output: str | None) -> None:
    """Cohort outcomes from a long lab CSV: response per patient, Table 1, summary and figure."""
    from nephroguide.cohort import cohort, compare, plot
    from nephroguide.cohort.csvio import NoGC, write_atomic
    from nephroguide.cohort.figure import check_figure_path

    for option, path in (("plot", plot_path), ("swimmer", swimmer_path), ("km", km_path)):
        if path:
            check_figure_path(path, option)  # before any work, so a bad name leaves no file behind
    labs_src: Any = labs
    labs_name = None
    if labs == "-":
        labs_src, labs_name = sys.stdin.read() + "\n", "<stdin>"
    result: Any
    if compare_sets is not None:
        if definitions is not None:
            raise UsageError("use either --definitions or --compare, not both", field="compare")
        names = [s.strip() for s in compare_sets.split(",")]
        if len(names) != 2 or not all(names):
            raise UsageError(f"--compare takes two definition sets separated by a comma, e.g. current,haddad2021 "
                             f"(got {compare_sets!r})", field="compare")
        result = compare(labs_src, patients, (names[0], names[1]), index_event, index_from=index_from,
                         labs_name=labs_name)
        plotted = result.a
    else:
        result = plotted = cohort(labs_src, patients, definitions or "current", index_event,
                                  index_from=index_from, labs_name=labs_name)
    with NoGC():  # rendering 10,000 patients next to 500,000 parsed rows: skip needless GC passes
        if fmt == "json":
            text = json.dumps(result.to_json(), indent=2, ensure_ascii=False) + "\n"
        elif fmt == "csv":
            text = result.to_csv()
        else:
            text = result.to_markdown()
    if plot_path:
        plot(plotted, plot_path)
    if swimmer_path:
        plot(plotted, swimmer_path, kind="swimmer")
    if km_path:
        plot(plotted, km_path, kind="km")
    if output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


# ----------------------------------------------------------------------------------------- ask

@cli.command("ask")
@click.argument("question", required=False)
@click.option("--audience", type=click.Choice(["clinician", "family", "student"]), default="clinician",
              show_default=True, help="Who reads the answer: terse with doses and grades, plain language, or terms explained.")
@click.option("--patient", "patient_file", type=click.Path(dir_okay=False, allow_dash=True),
              help="A patient record (JSON or YAML) to answer for.")
@click.option("--session", help="'new' to start a conversation (its id is printed on stderr), or an id to continue one.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html"]), default="markdown", show_default=True)
@click.option("--detail", type=click.Choice(["brief", "full"]), default="brief", show_default=True,
              help="brief: the answer and its key points; full: the whole article.")
@_home_option
def ask_cmd(question: str | None, audience: str, patient_file: str | None, session: str | None, fmt: str,
            detail: str) -> None:
    """Answer a question about childhood nephrotic syndrome with a cited, graded article.

    Exit 3 when the question is outside what the knowledge covers (the answer is still printed).
    Questions are limited to 4,000 characters. Without QUESTION, start an interactive prompt that
    keeps the conversation (a session in the store).
    """
    one_shot = question is not None and _OWN_PROCESS
    if one_shot:
        # one question, then the process ends: the cyclic garbage collector would only walk the pack's ~100k
        # long-lived objects over and over (40-70 ms); reference counting still frees everything else
        import gc

        gc.disable()
    from nephroguide import api
    from nephroguide.answer.render import render

    patient = _read_patient_arg(patient_file) if patient_file else None
    if question is None:
        _ask_interactive(audience, patient, session, fmt, detail)
        return
    result = api.ask(question, audience=audience, patient=patient, session=session, detail=detail)
    click.echo(render(result, fmt), nl=False)
    if result.session:
        click.echo(f"session: {result.session}", err=True)
    if one_shot and session is None:   # read-only: nothing left to write or close
        _end_process(result.exit_code or 0)
    if result.exit_code:
        sys.exit(result.exit_code)


def _end_process(code: int) -> None:
    """End a one-shot, read-only command now: output flushed, logging shut down (the only exit handler an ask
    registers), then ``os._exit``; tearing the interpreter down would only free the pack's objects one by one
    (50-70 ms). A normal exit when the output cannot be flushed (e.g. a closed pipe)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    os._exit(code)


def _ask_interactive(audience: str, patient: Any, session: str | None, fmt: str, detail: str = "brief") -> None:
    """The interactive prompt: one session for the whole conversation (audience, stage, drugs and the
    child's details carry over between turns); 'quit' or end of input stops."""
    from nephroguide import api
    from nephroguide.answer.render import render
    from nephroguide.errors import UnknownNameError

    sid = session or "new"
    click.echo("nephroguide: ask about nephrotic syndrome in children ('quit' to stop).", err=True)
    while True:
        try:
            question = input("? ")
        except EOFError:
            break
        if question.strip().lower() in ("quit", "exit", "q"):
            break
        if not question.strip():
            continue
        try:
            result = api.ask(question, audience=audience, patient=patient, session=sid, detail=detail)
        except UnknownNameError:
            raise
        except InputError as exc:
            click.echo(f"error: {exc.one_line()}", err=True)
            continue
        if sid == "new" and result.session:
            sid = result.session
            click.echo(f"session: {sid}", err=True)
        click.echo(render(result, fmt), nl=False)


# ----------------------------------------------------------------------------------------- serve

@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--cds-auth", type=click.Choice(["auto", "on", "off"]), default="auto", show_default=True,
              help="Verify CDS clients' signed JWTs; auto: on unless --host is loopback.")
@click.option("--cds-issuer", "cds_issuers", multiple=True, metavar="ISS=JWKS",
              help="A trusted CDS client: its iss and its JWKS URL or local JWKS file (repeatable).")
@click.option("--cds-origin", "cds_origins", multiple=True, metavar="ORIGIN",
              help="A browser origin allowed to call /cds-services, e.g. https://sandbox.cds-hooks.org "
                   "(repeatable; * only with --cds-auth on).")
@click.option("--plan-link-ttl", type=click.IntRange(60, 30 * 86400), default=None, metavar="SECONDS",
              help="How long a CDS card's plan link stays valid (default 86400).")
@click.option("--plan-frame-ancestor", "plan_frame_ancestors", multiple=True, metavar="ORIGIN",
              help="An origin (the EHR) that may show plan links in a frame (repeatable; default none).")
@click.option("--base-url", default=None, metavar="URL",
              help="The public base URL (links on cards; the aud CDS client JWTs must name). Needed with --cds-auth.")
@_home_option
def serve(host: str, port: int, workers: int, cds_auth: str, cds_issuers: tuple[str, ...],
          cds_origins: tuple[str, ...], plan_link_ttl: int | None, plan_frame_ancestors: tuple[str, ...],
          base_url: str | None) -> None:
    """Run the web app: pages, the JSON API under /api/v1 and the CDS Hooks service (see docs/web.md)."""
    from nephroguide.web.cds.config import ConfigError, apply_serve_options
    from nephroguide.web.serve import run

    try:  # options become NEPHROGUIDE_* variables, so every worker process reads the same settings
        apply_serve_options(os.environ, host=host, auth=cds_auth, issuers=cds_issuers, origins=cds_origins,
                            plan_link_ttl=plan_link_ttl, frame_ancestors=plan_frame_ancestors, base_url=base_url)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    run(host=host, port=port, workers=workers)


# ----------------------------------------------------------------------------------------- editorial review

def _register_review() -> None:
    """users, review, db, audit and kb export (nephroguide.review.cli; click only at import, the rest lazily)."""
    from nephroguide.review.cli import register

    register(cli, kb, _home_option, emit)


_register_review()


# ----------------------------------------------------------------------------------------- helpers

def _read_patient_arg(path: str) -> Any:
    """Read a patient file argument ('-' = stdin) into a Python object; intake validates it."""
    from nephroguide.intake.record import read_record_file, read_record_stream

    if path == "-":  # bytes, bounded: non-UTF-8 input is an InputError naming the record, not a crash
        return read_record_stream(sys.stdin.buffer, name="<stdin>")
    return read_record_file(Path(path))


_OWN_PROCESS = False   # main() runs as the program (not called by other code): one-shot commands may end it


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI and map errors to exit codes (the only place that does)."""
    global _OWN_PROCESS
    _OWN_PROCESS = argv is None
    try:
        cli.main(args=argv, prog_name="nephroguide", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except getattr(click.exceptions, "NoArgsIsHelpError", click.exceptions.UsageError) as exc:  # pragma: no cover - click >= 8.2
        click.echo(exc.format_message(), err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        sys.exit(2)
    except NotCoveredError as exc:
        click.echo(f"not covered: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except (InputError, UsageError) as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except NephroguideError as exc:
        click.echo(f"error: {exc.one_line()}", err=True)
        sys.exit(exc.exit_code)
    except UnicodeDecodeError as exc:  # text read from standard input or a file that is not UTF-8
        click.echo(f"error: input: not UTF-8 text (byte {exc.start}); save it as UTF-8", err=True)
        sys.exit(InputError.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # e.g. `nephroguide plan x | head`
        sys.exit(0)
    except Exception as exc:  # an internal bug: one line, traceback only on request
        if os.environ.get("NEPHROGUIDE_DEBUG"):
            raise
        text = " ".join(str(exc)[:300].split())  # one line, never an unbounded value from the input
        click.echo(f"internal error: {type(exc).__name__}: {text} (set NEPHROGUIDE_DEBUG=1 for details)", err=True)
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main()
