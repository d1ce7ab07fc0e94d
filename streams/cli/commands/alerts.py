"""``streams alerts``: manage alert rules, run the matcher, deliver alerts."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

import orjson
from rich.console import Console
from rich.table import Table

from streams.core.errors import ConfigError
from streams.core.metrics import serve_metrics
from streams.core.settings import Settings


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
        "add", help="add (or replace) a rule",
        description="Add a rule. Different conditions must all hold; repeat an option for alternatives "
        "(--entity A --entity B: A or B). Example: streams alerts add --name 'Kallas on war' "
        "--entity 'Kaja Kallas' --topic medtop:16000000 --webhook https://hooks.example.org/x",
    )
    add.add_argument("--name", required=True, help="what the rule is for (shown in every alert)")
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
    add.add_argument("--topic", action="append", default=[], metavar="CODE|LABEL",
                     help="IPTC Media Topic: medtop:16000000, 16000000 or 'conflict, war and peace' (descendants match)")
    add.add_argument("--source", action="append", default=[], help="article source, e.g. Ukrinform")
    add.add_argument("--provider", action="append", default=[], help="article provider, e.g. MENAFN")
    add.add_argument("--language", action="append", default=[], metavar="CODE", help="article language, e.g. en")
    add.add_argument("--webhook", default=None, metavar="URL",
                     help="POST this rule's alerts to URL (public addresses only; STREAMS_WEBHOOK_ALLOW "
                     "lists exceptions)")
    add.set_defaults(handler=run_add)

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


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    from streams.alerts.matcher import put_rule
    from streams.alerts.rules import Rule, new_rule_id

    rule = Rule(
        id=args.id or new_rule_id(), name=args.name, text=tuple(args.text), entity=tuple(args.entity),
        entity_type=args.entity_type, min_salience=args.min_salience, speaker=tuple(args.speaker),
        topic=tuple(args.topic), source=tuple(args.source), provider=tuple(args.provider),
        language=tuple(args.language), webhook=args.webhook,
    )
    if rule.webhook:
        check_destination(settings, rule.webhook, f"rule {rule.id} ({rule.name})")
    put_rule(settings, rule)
    print(rule.id)
    Console(stderr=True).print(f"rule {rule.id} ({rule.name}): {rule.describe()}", highlight=False)
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
        table.add_row(rule.id, rule.name, rule.describe(), rule.webhook or "")
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
        f"delivered: {stats.delivered}, skipped (same key again): {stats.skipped}, {unaddressed}dead-lettered: "
        f"{stats.dead_lettered} of {stats.consumed} alerts"
    )
    return 0
