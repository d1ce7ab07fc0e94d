"""``streams alerts``: manage alert rules, run the matcher, deliver alerts."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import TYPE_CHECKING

import orjson
from rich.console import Console
from rich.table import Table

from streams.cli.commands import alerts_test
from streams.core.errors import ConfigError
from streams.core.metrics import serve_metrics
from streams.core.settings import Settings

if TYPE_CHECKING:
    from streams.alerts.rules import Rule


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "alerts",
        help="alert rules on the enriched stream: add / list / remove rules, run the matcher, deliver alerts",
        description="Alert rules are evaluated on every enriched article; a rule fires once per story "
        "cluster (a syndicated duplicate of an alerted story does not fire it again). Rules live in the "
        "compacted alert-rules topic; alerts go to the alerts topic, keyed rule_id:cluster_id. "
        "See docs/alerts.md.",
    )
    p.set_defaults(handler=lambda args, settings: (p.print_help(), 2)[1])
    alerts = p.add_subparsers(dest="alerts_command", metavar="ACTION")

    add = alerts.add_parser(
        "add", help="add (or replace) rules: from a YAML/JSON file (-f) or from options",
        description="Add a rule. Different options must all hold; repeat an option for alternatives "
        "(--entity A --entity B: A or B); --when adds a condition of the rule language (and / or / not, "
        "quote, near...). Example: streams alerts add --name 'Kallas on war' --speaker 'Kaja Kallas' "
        "--topic 'conflict, war and peace' --when '{not: {topic: sport}}' --webhook https://hooks.example.org/x. "
        "From a file: streams alerts add -f rules.yml (every rule is checked before any is written; "
        "an error names the place, e.g. rules[2].when.and[1].not: unknown condition 'topc'). "
        "The language: docs/alerts.md.",
    )
    add.add_argument("-f", "--file", default=None, metavar="FILE",
                     help="add every rule of a YAML or JSON rule file ('-': standard input, YAML); "
                     "`streams alerts export` writes one")
    add.add_argument("--dry-run", action="store_true", help="check and show the rules, write nothing")
    add.add_argument("--name", default=None, help="what the rule is for (shown in every alert)")
    add.add_argument("--id", default=None, help="rule id (default: a new r-XXXXXXXXXX); an existing id is replaced")
    add.add_argument("--text", action="append", default=[], metavar="PHRASE",
                     help="word or phrase in the headline or body (case-insensitive, whole words)")
    add.add_argument("--entity", action="append", default=[], metavar="NAME",
                     help="entity by name or alias, e.g. 'Kaja Kallas' or 'Kallas'")
    add.add_argument("--entity-type", default=None, metavar="TYPE",
                     help="entity type (PERSON, ORG, GPE, LOC, ...); alone: any entity of that type")
    add.add_argument("--min-salience", type=float, default=None, metavar="0..1",
                     help="the entity must be at least this salient in the article")
    add.add_argument("--speaker", action="append", default=[], metavar="NAME", help="resolved speaker of a quote")
    add.add_argument("--quote", action="append", default=[], metavar="PHRASE",
                     help="words inside a quote (any speaker; with --speaker, the speaker may be another quote's)")
    add.add_argument("--when", default=None, metavar="CONDITION",
                     help="a condition of the rule language, YAML or JSON, AND-ed with the other options: "
                     "'{not: {topic: sport}}', '{near: {terms: [Kallas, sanctions], within: 10}}'")
    add.add_argument("--topic", action="append", default=[], metavar="CODE|LABEL",
                     help="IPTC Media Topic: medtop:16000000, 16000000 or 'conflict, war and peace' (descendants match)")
    add.add_argument("--source", action="append", default=[], help="article source, e.g. Ukrinform")
    add.add_argument("--provider", action="append", default=[], help="article provider, e.g. MENAFN")
    add.add_argument("--language", action="append", default=[], metavar="CODE", help="article language, e.g. en")
    add.add_argument("--throttle", default=None, metavar="N/WINDOW",
                     help="at most N webhook calls per WINDOW (5/1h); the alerts beyond are kept, not POSTed")
    add.add_argument("--digest", default=None, metavar="WINDOW",
                     help="one webhook call per WINDOW (15m, 1h) listing the rule's alerts, instead of one each")
    add.add_argument("--webhook", default=None, metavar="URL",
                     help="POST this rule's alerts to URL (public addresses only; STREAMS_WEBHOOK_ALLOW "
                     "lists exceptions)")
    add.set_defaults(handler=run_add)

    export = alerts.add_parser(
        "export", help="write the current rules as a rule file (YAML; --json), for review or `add -f`",
        description="Write every current rule (or the ids given) as a rule file: id, name, the whole condition "
        "as `when`, webhook. `streams alerts add -f` reads it back.",
    )
    export.add_argument("rule_ids", nargs="*", metavar="ID", help="only these rules")
    export.add_argument("--json", action="store_true", help="JSON instead of YAML")
    export.add_argument("-o", "--output", default=None, metavar="FILE", help="write to FILE (default: stdout)")
    export.set_defaults(handler=run_export)

    alerts_test.register(alerts)

    ls = alerts.add_parser("list", help="list the current rules",
                           description="List the current alert rules (read from the compacted alert-rules topic).")
    ls.add_argument("--json", action="store_true", help="one JSON rule per line")
    ls.set_defaults(handler=run_list)

    rm = alerts.add_parser("remove", help="remove a rule by id",
                           description="Remove a rule (a tombstone in the alert-rules topic); alerts it already "
                           "produced stay in the alerts topic.")
    rm.add_argument("rule_id", metavar="ID", help="the rule's id, as `streams alerts list` shows it")
    rm.set_defaults(handler=run_remove)

    run = alerts.add_parser(
        "run", help="the matcher: evaluate every rule on articles.enriched, produce alerts",
        description="Consume articles.enriched (group <prefix><app id>-alerts), evaluate every rule, produce "
        "one alert per rule and story cluster to the alerts topic. Runs until Ctrl-C / SIGTERM.",
    )
    run.add_argument("--until-idle", type=float, default=None, metavar="SECONDS",
                     help="exit once nothing arrived for SECONDS (batch use)")
    run.set_defaults(handler=run_matcher)

    deliver = alerts.add_parser(
        "deliver", help="deliver alerts: to webhooks (default), a JSON Lines file, or the terminal",
        description="Consume the alerts topic and deliver each alert. Webhooks: POST JSON to the rule's "
        "webhook (else --webhook URL) with an Idempotency-Key header and Standard Webhooks signature headers "
        "(secrets: STREAMS_WEBHOOK_SECRET, STREAMS_WEBHOOK_SECRETS), retried with backoff on 5xx and "
        "timeouts, then dead-lettered. Internal addresses (loopback, private, link-local, metadata) are "
        "refused unless STREAMS_WEBHOOK_ALLOW lists them; redirects are not followed. At-least-once: offsets "
        "are committed after delivery. See docs/alerts.md.",
    )
    target = deliver.add_mutually_exclusive_group()
    target.add_argument("--webhook", default=None, metavar="URL",
                        help="URL for alerts whose rule has no webhook of its own")
    target.add_argument("--file", default=None, metavar="PATH", help="append alerts as JSON Lines to PATH")
    target.add_argument("--tail", action="store_true", help="print a line per new alert (nothing committed)")
    deliver.add_argument("--rule-webhooks-only", action="store_true",
                         help="webhooks: deliver only alerts whose rule names a webhook and skip the others "
                         "(another target, e.g. --file, has them) instead of dead-lettering them; "
                         "`streams up` runs it so")
    deliver.add_argument("--from-beginning", action="store_true", help="with --tail: start at the oldest alert")
    deliver.add_argument("--max-attempts", type=int, default=5, metavar="N", help="webhook attempts per alert (5)")
    deliver.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS", help="webhook timeout (10 s)")
    deliver.add_argument("--until-idle", type=float, default=None, metavar="SECONDS",
                         help="exit once nothing arrived for SECONDS (batch use)")
    deliver.set_defaults(handler=run_deliver)


CONDITION_OPTIONS = ("text", "entity", "entity_type", "min_salience", "speaker", "quote", "topic", "source",
                     "provider", "language", "when")


def rule_from_options(args: argparse.Namespace) -> "Rule":
    """The rule the options of `streams alerts add` describe (the flags are shorthand for `when`)."""
    import yaml

    from streams.alerts.rules import Rule, new_rule_id

    if not args.name:
        raise ConfigError("give --name (what the rule is for), or a rule file with -f FILE")
    parts = []
    if args.when:
        try:
            parts.append(yaml.safe_load(args.when))
        except yaml.YAMLError as exc:
            raise ConfigError(f"--when is not valid YAML or JSON: {' '.join(str(exc).split())}") from None
    if args.quote:
        parts.append({"quote": list(args.quote)})
    when = None if not parts else parts[0] if len(parts) == 1 else {"and": parts}
    return Rule(
        id=args.id or new_rule_id(), name=args.name, text=tuple(args.text), entity=tuple(args.entity),
        entity_type=args.entity_type, min_salience=args.min_salience, speaker=tuple(args.speaker),
        topic=tuple(args.topic), source=tuple(args.source), provider=tuple(args.provider),
        language=tuple(args.language), webhook=args.webhook, when=when, throttle=args.throttle, digest=args.digest,
    )


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.files import load_rules
    from streams.alerts.matcher import put_rule

    if args.file:
        given = [o for o in CONDITION_OPTIONS + ("name", "id", "webhook", "throttle", "digest")
                 if getattr(args, o) not in (None, [])]
        if given:
            raise ConfigError(f"-f FILE goes alone (the file holds the rules); drop --{given[0].replace('_', '-')}")
        rules = load_rules(args.file, sys.stdin.buffer.read() if args.file == "-" else None)
        if not rules:
            raise ConfigError(f"{args.file}: no rules in the file")
    else:
        rules = [rule_from_options(args)]
    for rule in rules:  # every rule is checked before any is written
        if rule.webhook:
            check_destination(settings, rule.webhook, f"rule {rule.id} ({rule.name})")
    err = Console(stderr=True)
    for rule in rules:
        if not args.dry_run:
            put_rule(settings, rule)
            print(rule.id)
        err.print(f"{'would add' if args.dry_run else 'rule'} {rule.id} ({rule.name}): {rule.describe()}",
                  highlight=False)
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.alerts.files import dump_rules
    from streams.alerts.matcher import list_rules

    rules = list_rules(settings)
    if args.rule_ids:
        known = {r.id for r in rules}
        missing = [i for i in args.rule_ids if i not in known]
        if missing:
            raise ConfigError(f"no rule with id {missing[0]!r}; `streams alerts list` shows the rules")
        rules = [r for r in rules if r.id in set(args.rule_ids)]
    text = dump_rules(rules, fmt="json" if args.json else "yaml")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        Console(stderr=True).print(f"{len(rules)} rule(s) written to {args.output}")
    else:
        sys.stdout.write(text)
    return 0


def check_destination(settings: Settings, url: str, what: str) -> None:
    """Refuse a webhook URL that shows an internal destination by itself (DNS is checked at delivery)."""
    from streams.alerts.guard import AllowList, Guard
    from streams.core.errors import DestinationRefused

    try:
        Guard(AllowList.parse(settings.webhook_allow)).check_url(url)
    except DestinationRefused as exc:
        raise ConfigError(f"{what}: webhook refused: {exc}") from None


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.matcher import list_rules

    rules = list_rules(settings)
    if args.json:
        for rule in rules:
            sys.stdout.write(orjson.dumps(rule.to_dict()).decode() + "\n")
        return 0
    table = Table("id", "name", "conditions", "webhook", title=f"{len(rules)} alert rule(s)")
    for rule in rules:
        pacing = f" (throttle {rule.throttle})" if rule.throttle else f" (digest {rule.digest})" if rule.digest else ""
        name = f"{rule.name} (disabled)" if rule.disabled else rule.name
        table.add_row(rule.id, name, rule.describe(), (rule.webhook or "") + pacing)
    Console().print(table)
    return 0


def run_remove(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.matcher import delete_rule, list_rules

    if args.rule_id not in {r.id for r in list_rules(settings)}:
        raise ConfigError(f"no rule with id {args.rule_id!r}; `streams alerts list` shows the rules")
    delete_rule(settings, args.rule_id)
    Console(stderr=True).print(f"rule {args.rule_id} removed")
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())  # finish the batch in hand, commit, exit
    return stop


def run_matcher(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.matcher import AlertMatcher

    stop = _stop_on_signals()
    serve_metrics(settings.metrics_port, settings.metrics_host)
    stats = AlertMatcher(settings).run(stop, until_idle=args.until_idle)
    Console(stderr=True).print(
        f"alerts: {stats.alerted} produced, {stats.already_fired} already fired, {stats.dead_lettered} "
        f"dead-lettered of {stats.consumed} articles"
    )
    return 0


def run_deliver(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.delivery import AlertDelivery, target_from_options

    if args.from_beginning and not args.tail:
        raise ConfigError("--from-beginning goes with --tail (the other targets resume where they stopped)")
    target = target_from_options(settings, webhook=args.webhook, file=args.file, tail=args.tail,
                                 max_attempts=args.max_attempts, timeout_s=args.timeout,
                                 rule_webhooks_only=args.rule_webhooks_only)
    stop = _stop_on_signals()
    serve_metrics(settings.metrics_port, settings.metrics_host)
    stats = AlertDelivery(settings, target, from_beginning=args.from_beginning).run(stop, until_idle=args.until_idle)
    unaddressed = f"left to other targets (rule without webhook): {stats.not_addressed}, " \
        if args.rule_webhooks_only else ""
    Console(stderr=True).print(
        f"delivered: {stats.delivered}, skipped (same key again): {stats.skipped}, {unaddressed}"
        f"{f'held (throttled or in a digest): {stats.held}, ' if stats.held else ''}dead-lettered: "
        f"{stats.dead_lettered} of {stats.consumed} alerts"
    )
    return 0
