"""The Subscription zObject's update (``/v1/action/update``, SOAP ``update()``): its ``Notes`` and
custom fields. Zuora lets its object API change a subscription's terms, dates and account only
while the subscription is a Draft, and changes an Active one by amendment; billforge's subscriptions
are Active at once and it has no amendments (it has ``PUT /v1/subscriptions/{key}/cancel`` and
``/renew``), so any other Subscription field is refused, naming it."""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field

from billforge.errors import ErrorList, InvalidValue
from billforge.objects.fields import ZStr
from billforge.objects.model import ObjectModel
from billforge.services.subscriptions import SubscriptionChanges
from billforge.zoql.objects import SUBSCRIPTION, is_custom


class SubscriptionUpdate(ObjectModel):
    #: Subscription fields an update may not change (known, so that they are refused by name).
    FIXED: ClassVar[frozenset[str]] = frozenset(SUBSCRIPTION.field_names) - {"Id", "Notes"}
    PASSTHROUGH: ClassVar[frozenset[str]] = FIXED

    notes: Annotated[ZStr, Field(max_length=1000)] | None = None

    def to_changes(self) -> SubscriptionChanges:
        problems = [
            InvalidValue(
                f"'{name}' of a subscription cannot be updated: only Notes and custom fields can. Zuora changes "
                "an Active subscription by amendment, which billforge does not have: cancel or renew it with "
                "PUT /v1/subscriptions/{subscription-key}/cancel or /renew",
                field=name,
                obj="subscription",
            )
            for name in sorted(set(self.model_extra or {}) & self.FIXED)
        ]
        if problems:
            raise problems[0] if len(problems) == 1 else ErrorList(problems)
        extra = {name: value for name, value in (self.model_extra or {}).items() if is_custom(name)}
        values = {"notes": self.notes} if "notes" in self.model_fields_set else {}
        return SubscriptionChanges(values=values, extra=extra)
