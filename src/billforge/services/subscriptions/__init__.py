"""Subscriptions: create (copying charges from the catalog), read, cancel, renew, and update their notes.

A subscription belongs to an account and holds rate plans; each rate plan copies the charges of a
product rate plan, priced in the account's currency, with the client's ``chargeOverrides`` applied.
Numbers are Zuora's: subscriptions ``A-S00000001``, charges ``C-00000001`` (or the client's own,
unique in the entity).

Every charge is checked by asking the billing core what it would bill on its trigger date, so a
charge that the engine cannot bill (a bill cycle type that does not fit its period, a missing price
or tier) is refused when the subscription is created, naming the field, never at the first bill run.

Dates follow the billing core: ``termEndDate`` and the cancellation effective date are the first day
no longer served (a 12-month term from 2024-01-01 ends 2025-01-01).

``runBilling`` (or the older ``invoice``/``invoiceCollect``) bills the subscription in the same
transaction, up to ``targetDate`` (or ``invoiceTargetDate``; default today in the tenant's time zone),
dated ``documentDate`` (default the target date); nothing to bill then simply makes no invoice.

The rules and the assembly are pure and live in ``domain.subscription_rules``,
``domain.charge_override_rules``, ``domain.subscription_assembly`` and
``domain.subscription_metrics``; the use cases here own the transactions and the queries:

    creation      create_subscription
    amendments    cancel_subscription, renew_subscription
    details       update_subscription (notes and custom fields: the Subscription object's update)
    views         get_subscription, find_subscription (and MRR / total contracted value)
    billing_run   billing a subscription at once (``runBilling``)

Callers import from this package (``from billforge.services import subscriptions``).
"""

from __future__ import annotations

from billforge.domain.charge_override_rules import MAX_CHARGE_NUMBER
from billforge.domain.subscription_inputs import (
    BillingRun,
    CancelInput,
    ChargeOverride,
    RatePlanRequest,
    SubscriptionInput,
    TierOverride,
)
from billforge.domain.subscription_rules import CANCELLATION_POLICIES, MAX_NUMBER, OBJ
from billforge.domain.terms import RENEW_WITH_SPECIFIC_TERM, RENEWAL_SETTINGS
from billforge.services.subscriptions.amendments import Cancelled, Renewed, cancel_subscription, renew_subscription
from billforge.services.subscriptions.creation import Created, create_subscription
from billforge.services.subscriptions.details import SubscriptionChanges, update_subscription
from billforge.services.subscriptions.views import (
    SubscriptionView,
    contract_values,
    find_subscription,
    get_subscription,
)

__all__ = [
    "CANCELLATION_POLICIES",
    "MAX_CHARGE_NUMBER",
    "MAX_NUMBER",
    "OBJ",
    "RENEWAL_SETTINGS",
    "RENEW_WITH_SPECIFIC_TERM",
    "BillingRun",
    "CancelInput",
    "Cancelled",
    "ChargeOverride",
    "Created",
    "RatePlanRequest",
    "Renewed",
    "SubscriptionChanges",
    "SubscriptionInput",
    "SubscriptionView",
    "TierOverride",
    "cancel_subscription",
    "contract_values",
    "create_subscription",
    "find_subscription",
    "get_subscription",
    "renew_subscription",
    "update_subscription",
]
