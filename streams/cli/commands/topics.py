"""``streams topics create|list``: the pipeline's topics on the configured cluster."""

from __future__ import annotations

import argparse
import logging

from rich.console import Console
from rich.table import Table

from streams.core.settings import Settings
from streams.kafka.topics import ALL_TOPICS, BY_KEY


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "topics",
        help="create or list the pipeline's Kafka topics",
        description="Topic names carry STREAMS_TOPIC_PREFIX; partitions, retention and compaction come "
        "from streams/kafka/topics.py. The broker must be running (`streams kafka start`).",
    )
    actions = p.add_subparsers(dest="topics_action", metavar="ACTION", required=True)

    create = actions.add_parser(
        "create",
        help="create the missing topics (idempotent: existing topics are left as they are)",
        description="Create the pipeline's topics that do not exist yet, with the partitions "
        "(STREAMS_PARTITIONS), retention and compaction of streams/kafka/topics.py; existing topics are left "
        "as they are.",
    )
    create.add_argument(
        "keys",
        nargs="*",
        choices=[[]] + sorted(BY_KEY),  # [] lets "no key" mean "all topics"
        metavar="TOPIC",
        help=f"code names of the topics to create (default: all): {', '.join(BY_KEY)}",
    )
    create.set_defaults(handler=run_create)

    listing = actions.add_parser("list", help="list the topics of this prefix with partitions and configs",
                                 description="List the topics of STREAMS_TOPIC_PREFIX (or --all) with their "
                                 "partitions, replication and configs.")
    listing.add_argument("--all", action="store_true", help="every non-internal topic, not only this prefix")
    listing.set_defaults(handler=run_list)


def run_create(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka import admin

    if not args.verbose:
        logging.getLogger("kafka").setLevel(logging.WARNING)
    specs = [BY_KEY[k] for k in args.keys] if args.keys else list(ALL_TOPICS)
    created = admin.create_topics(settings, specs)
    for spec in specs:
        name = spec.name(settings)
        print(f"{'created' if name in created else 'exists '}  {name}")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    from streams.kafka import admin

    if not args.verbose:
        logging.getLogger("kafka").setLevel(logging.WARNING)
    names = admin.list_topics(settings, prefix=None if args.all else settings.topic_prefix)
    if not args.all:
        known = {spec.name(settings) for spec in ALL_TOPICS}
        names = [n for n in names if n in known]
    info = admin.describe(settings, names)
    table = Table("topic", "partitions", "replication", "config")
    for name in names:
        t = info.get(name)
        if t is None:
            continue
        cfg = ", ".join(f"{k}={v}" for k, v in sorted(t.config.items()))
        table.add_row(name, str(t.partitions), str(t.replication), cfg)
    Console().print(table)
    if not names:
        print("no topics yet: run `streams topics create`")
    return 0
