"""Alerts: rules evaluated on every enriched article, one alert per rule and story cluster.

* :mod:`streams.alerts.model` — the rule model (validated, JSON), matches and the alert message.
* :mod:`streams.alerts.rules` — evaluating rules on an article (pure, no Kafka); re-exports the model.
* :mod:`streams.alerts.matcher` — :class:`~streams.alerts.matcher.RuleStore` (the compacted
  ``alert-rules`` topic) and :class:`~streams.alerts.matcher.AlertMatcher` (``articles.enriched`` →
  ``alerts``).
* :mod:`streams.alerts.delivery` — :class:`~streams.alerts.delivery.AlertDelivery` (``alerts`` →
  webhook, JSON Lines file or terminal).

See ``docs/alerts.md``.
"""
