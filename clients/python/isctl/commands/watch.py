"""`isctl watch [is/NAME[:TAG]]`: changes as they happen, one line each; with --exec, a trigger."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TextIO

import grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_client import Client, Follow, ImageStreamsError, Reconnect
from imagestreams_client.watch import CHANGE_KINDS, KIND_NAMES, is_change

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..durations import parse_go_duration
from ..errors import UsageError, UserInputError, format_error
from ..output import to_dict
from ..refs import IMAGE_STREAM, IMAGE_STREAM_TAG, parse_stream_and_tag, resource_type
from ..trigger import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAY,
    MAX_RETRY_DELAY,
    CommandFailed,
    StopSignals,
    Trigger,
    TriggerSettings,
    failure_message,
)
from ..trigger_state import StateFile, WatchTarget, default_state_path

# Asked of the server, so that a silent connection can be told from a quiet log: a watch that hears
# nothing, not even a progress marker, for IDLE_TIMEOUT seconds reconnects.
PROGRESS_INTERVAL = 15
# How long a watch waits for a server that has never answered before it gives up (--connect-timeout).
DEFAULT_CONNECT_TIMEOUT = "30s"
IDLE_TIMEOUT = 4 * PROGRESS_INTERVAL
NONE = "<none>"
# Column widths of a line: a stream's lines cannot be measured in advance like a table's.
WIDTHS = (6, 14, 30, 71)

DESCRIPTION = """\
Print changes to image streams as they happen, in log order, one line per change: every tag move
(tag_updated), deleted tag, created or deleted stream, spec change and failed import of the namespace, of
one stream (is/NAME) or of one tag (is/NAME:TAG, which also gets its stream's own changes). --kind keeps
only some kinds. Without --from or --snapshot the watch starts now.

A line reads POSITION KIND NS/STREAM[:TAG] IMAGE PULL-SPEC. IMAGE (the digest) and PULL-SPEC are <none> but
for tag moves; an import_failed line ends with the reason and message of the failure instead. POSITION is
the change's place in the server's log: --from POSITION prints every change after it, so a watch can pick up
where an earlier one stopped (positions have gaps: give the last one seen, not one more). --snapshot first
prints the current image of every matching tag, as lines of KIND `current`, then the changes from that
state on, with no gap and no repeat.

With -o json every line is a WatchResponse as a JSON object with the proto's field names (int64 fields such
as position are strings, as the proto3 JSON mapping writes them). Markers are printed too, as objects with a
`marker` field and no `kind`: the first MARKER_PROGRESS (where the watch starts), MARKER_SNAPSHOT_END, and
later progress markers whose position is past the last one printed; any of their positions can be given to
--from. The line format prints no markers.

If the connection drops or the server restarts, the watch reconnects by itself (with a note on stderr) and
goes on after the last position it saw: no change is printed twice or skipped. Ctrl-C or SIGTERM ends it
with status 0.
"""

TRIGGER_HELP = f"""\
triggers (--exec):
  CMD runs with `sh -c` for each tag_updated change (or each change of the kinds given with --kind), one at a
  time, after the change's line is printed, with the change in its environment:
    ISCTL_NAMESPACE, ISCTL_STREAM, ISCTL_TAG   the tag that changed
    ISCTL_KIND                                 tag_updated (or the other kind asked for)
    ISCTL_IMAGE, ISCTL_PULL_SPEC               its image now: the digest, and the pull spec to deploy
    ISCTL_PREVIOUS_IMAGE                       the digest before (empty for a new tag)
    ISCTL_POSITION                             the change's log position
    ISCTL_MESSAGE                              import_failed: the reason and message of the failure
    ISCTL_SYNTHETIC                            true for the current state a --snapshot starts with
    ISCTL_SERVER                               the server, so `isctl` run by CMD talks to it (in the
                                               change's namespace, since ISCTL_NAMESPACE is set too)
  CMD's output goes to isctl's.

  After CMD succeeds, the change's position is saved in --state-file (default
  ~/.isctl/watch-NS-NAME[:TAG].state, replaced atomically); a trigger resumes after the saved position, so
  a restarted trigger neither misses nor repeats a change. --from and --snapshot apply only to a first start,
  when there is no state file; without them a first start begins now (and saves that position at once, so a
  change made while it is down later is not missed). With --snapshot the first start runs CMD once for each
  matching tag's current image (ISCTL_SYNTHETIC=true), then for each move; later starts take no snapshot.

  A CMD that exits non-zero is retried after --retry-delay seconds, doubling up to {MAX_RETRY_DELAY:g}s, for at most
  --max-attempts runs; then the watch exits 1 and the state stays before that change, so the next start runs
  it again: a change is never skipped. SIGINT or SIGTERM while CMD runs lets it finish, and saves its position
  if it succeeded, before exiting 0. Delivery is at least once: only if isctl dies between CMD finishing and
  the save (SIGKILL, power loss) does the next start run CMD for that change again, so make CMD idempotent
  (deploying the same digest twice should be harmless).
"""

EXAMPLES = """\
examples:
  isctl watch                                   # every change of the namespace, from now
  isctl watch is/ruby:latest --snapshot         # where ruby:latest is, then each move
  isctl watch is/ruby --from 1200 -o json       # every change of ruby after log position 1200
  isctl watch is/app:prod --exec './redeploy.sh "$ISCTL_PULL_SPEC"'

exit status: 0 after Ctrl-C or SIGTERM, 1 for an error (a bad request, a position the log has not reached, a
CMD that kept failing), 2 for a usage error.
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "watch",
        parents=parents,
        help="print changes as they happen, or run a command for each",
        usage="isctl watch [options] [is/NAME[:TAG] | NAME[:TAG]] [--from POSITION | --snapshot] "
        "[--exec CMD [--state-file PATH]]",
        description=prose(DESCRIPTION),
        epilog=TRIGGER_HELP + "\n" + EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "target",
        metavar="is/NAME[:TAG]",
        nargs="?",
        help="the stream, or the tag, to watch (is/ or istag/ may be left out); none watches the namespace",
    )
    start = parser.add_mutually_exclusive_group()
    start.add_argument(
        "--from", dest="after", metavar="POSITION", type=int, help="start after this log position (0: the whole log)"
    )
    add_bool_flag(start, "--snapshot", help="start with the current image of every matching tag")
    parser.add_argument(
        "--kind",
        dest="kinds",
        action="append",
        choices=list(CHANGE_KINDS),
        metavar="KIND",
        help=f"only changes of this kind (repeatable): {', '.join(CHANGE_KINDS)}",
    )
    parser.add_argument("-o", "--output", choices=("json",), help="json: one JSON object per line (default: lines)")
    parser.add_argument(
        "--connect-timeout",
        metavar="DURATION",
        default=DEFAULT_CONNECT_TIMEOUT,
        help=f"give up when the server has not answered for this long since the start: 30s, 5m; 0 waits forever "
        f"(default {DEFAULT_CONNECT_TIMEOUT}). Once it has answered, a dropped watch is always resumed",
    )
    trigger = parser.add_argument_group("trigger options")
    trigger.add_argument("--exec", dest="command", metavar="CMD", help="run CMD (sh -c) for each change; see below")
    trigger.add_argument(
        "--state-file", type=Path, metavar="PATH", help="where the trigger keeps its position (see below)"
    )
    trigger.add_argument(
        "--max-attempts",
        type=int,
        metavar="N",
        help=f"runs of a failing CMD before giving up (default {DEFAULT_MAX_ATTEMPTS})",
    )
    trigger.add_argument(
        "--retry-delay",
        type=float,
        metavar="SECONDS",
        help=f"wait before the first retry, doubled for each next one (default {DEFAULT_RETRY_DELAY:g})",
    )
    parser.set_defaults(run=run, extra_positionals="target")
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    target = _target(args.target, context.namespace)
    _validate(args)
    timeout = parse_go_duration(args.connect_timeout, "--connect-timeout").total_seconds()
    if timeout < 0:
        raise UsageError("--connect-timeout must not be negative")
    args.connect_timeout_seconds = timeout or None
    kinds = args.kinds or (["tag_updated"] if args.command else [])
    printer = _Printer(context.out, json_lines=args.output == "json")
    try:
        with StopSignals() as stop, context.client() as client:
            if args.command:
                return _run_trigger(args, context, client, target, kinds, printer, stop)
            follow = _follow(client, context, target, kinds, args.after, args.snapshot, args.connect_timeout_seconds)
            _consume(follow, printer, None)
    except KeyboardInterrupt:
        pass  # Ctrl-C or SIGTERM: the way a watch is meant to end
    return 0


def _target(typed: str | None, namespace: str) -> WatchTarget:
    if not typed:
        return WatchTarget(namespace)
    name = typed
    if "/" in typed:
        kind, name = typed.split("/", 1)
        if resource_type(kind, (IMAGE_STREAM, IMAGE_STREAM_TAG)) == IMAGE_STREAM_TAG and ":" not in name:
            raise UsageError(f'"{typed}" must be of the form istag/<stream_name>:<tag>')
    stream, tag = parse_stream_and_tag(name)
    return WatchTarget(namespace, stream, tag)


def _validate(args: argparse.Namespace) -> None:
    if args.after is not None and args.after < 0:
        raise UsageError("--from must be a log position, 0 or more")
    trigger_flags = {"--state-file": args.state_file, "--max-attempts": args.max_attempts}
    trigger_flags["--retry-delay"] = args.retry_delay
    given = [flag for flag, value in trigger_flags.items() if value is not None]
    if given and not args.command:
        raise UsageError(f"{', '.join(given)} {'applies' if len(given) == 1 else 'apply'} only with --exec")
    if args.max_attempts is not None and args.max_attempts < 1:
        raise UsageError("--max-attempts must be 1 or more")
    if args.retry_delay is not None and args.retry_delay < 0:
        raise UsageError("--retry-delay must not be negative")


def _follow(
    client: Client,
    context: Context,
    target: WatchTarget,
    kinds: list[str],
    after: int | None,
    snapshot: bool,
    connect_timeout: float | None,
) -> Follow:
    def note(reconnect: Reconnect) -> None:
        where = f"after position {reconnect.after_position}" if reconnect.after_position is not None else "afresh"
        context.err.write(
            f"isctl watch: {format_error(reconnect.error, context.server)}; "
            f"watching again {where} in {reconnect.delay:.1f}s\n"
        )
        context.err.flush()

    return client.follow(
        target.namespace,
        target.stream,
        target.tag,
        kinds,
        after_position=after,
        snapshot=snapshot,
        progress_interval=PROGRESS_INTERVAL,
        idle_timeout=IDLE_TIMEOUT,
        on_reconnect=note,
        connect_timeout=connect_timeout,
    )


def _consume(follow: Follow, printer: _Printer, trigger: Trigger | None) -> None:
    try:
        for response in follow:
            if is_change(response):
                printer.change(response)
                if trigger is not None:
                    trigger.handle(response)
            else:
                printer.marker(response)
                if trigger is not None:
                    trigger.checkpoint(response.position)
    finally:
        follow.close()


def _run_trigger(
    args: argparse.Namespace,
    context: Context,
    client: Client,
    target: WatchTarget,
    kinds: list[str],
    printer: _Printer,
    stop: StopSignals,
) -> int:
    path = args.state_file or default_state_path(target)
    with StateFile(path, target) as state:
        saved = state.load()
        after, snapshot = args.after, args.snapshot
        if saved is not None:
            ignored = " (--from ignored)" if after is not None else " (--snapshot ignored)" if snapshot else ""
            context.err.write(f"isctl watch: resuming after position {saved}, from {path}{ignored}\n")
            after, snapshot = saved, False
        follow = _follow(client, context, target, kinds, after, snapshot, args.connect_timeout_seconds)
        settings = TriggerSettings(
            args.command,
            context.server,
            DEFAULT_MAX_ATTEMPTS if args.max_attempts is None else args.max_attempts,
            DEFAULT_RETRY_DELAY if args.retry_delay is None else args.retry_delay,
        )
        trigger = Trigger(settings, state, stop, context.out, context.err)
        try:
            _consume(follow, printer, trigger)
        except CommandFailed as error:
            context.err.write(f"error: {error}\n")
            return 1
        except ImageStreamsError as error:
            if error.code == grpc.StatusCode.OUT_OF_RANGE and saved is not None:
                raise UserInputError(
                    f"{error.message}: position {saved} in {path} comes from a longer log (another server, or "
                    "one whose data was reset?); remove the file to start afresh"
                ) from error
            raise
    return 0


class _Printer:
    """Lines for people, or JSON objects for programs; flushed one by one, since a watch never ends."""

    def __init__(self, out: TextIO, *, json_lines: bool) -> None:
        self.out = out
        self.json_lines = json_lines
        # The last position printed, by a change or a marker.
        self._position: int | None = None

    def change(self, response: watch_api.WatchResponse) -> None:
        self._write(json.dumps(to_dict(response)) if self.json_lines else _line(response))
        if not response.synthetic:
            self._position = response.position

    def marker(self, response: watch_api.WatchResponse) -> None:
        if not self.json_lines:
            return
        # Idle progress markers repeat one position until the log moves, and a reconnection starts with the
        # position it resumes after: print only news.
        news = self._position is None or response.position > self._position
        if news or response.marker == watch_api.MARKER_SNAPSHOT_END:
            self._position = response.position
            # The JSON mapping leaves out zeros, but a marker is all about its position, 0 included.
            self._write(json.dumps({"position": str(response.position), **to_dict(response)}))

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _line(response: watch_api.WatchResponse) -> str:
    name = f"{response.namespace}/{response.stream}" + (f":{response.tag}" if response.tag else "")
    kind = "current" if response.synthetic else KIND_NAMES.get(response.kind, str(response.kind))
    # A skipped move shows where the tag would have gone.
    moved = response.kind in (watch_api.CHANGE_KIND_TAG_UPDATED, watch_api.CHANGE_KIND_TAG_MOVE_SKIPPED)
    image = (response.current.image if moved else "") or NONE
    if response.kind == watch_api.CHANGE_KIND_IMPORT_FAILED:
        last = failure_message(response) or NONE
    else:
        last = (response.current.docker_image_reference if moved else "") or NONE
    columns = [str(response.position), kind, name, image]
    return "  ".join(c.ljust(w) for c, w in zip(columns, WIDTHS, strict=True)) + "  " + last
