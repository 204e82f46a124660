"""The product catalog's rules for products, rate plans and charges, as Zuora's catalog applies them
and as the billing engine needs them. Pure: each check takes the client's input (and what the
tenant's settings say) and answers the problems it finds; the services add the checks that need
other stored rows (unique names and numbers, references, active tax codes). The tiers' rules are in
``domain.tier_rules``.

Products
- ``Name``, ``EffectiveStartDate`` and ``EffectiveEndDate`` are required; the end is after the start.
- ``SKU`` is unique in the entity; absent, one is generated (``SKU-00000001``), as is the
  ``ProductNumber`` (``PC-00000001``). Generated numbers only go up and skip keys already taken.
- Deleting a product deletes its rate plans, their charges and the charges' tiers; a product, rate
  plan or charge that a subscription uses cannot be deleted (CANNOT_DELETE).

Rate plans
- ``Name`` and ``ProductId`` are required; the product must be one of this entity's; the name is
  unique within the product; ``ProductRatePlanNumber`` is unique (generated ``PRP-00000001``).
- ``ActiveCurrencies``: at most 5 distinct currencies, each active in the tenant; ``Grade`` >= 1.

Charges (``ProductRatePlanChargeNumber`` generated ``PRPC-00000001``)
- ``ProductRatePlanId``, ``Name`` (unique within the plan), ``ChargeType``, ``ChargeModel``,
  ``BillCycleType``, ``TriggerEvent`` and at least one tier are required, and ``BillingPeriod`` for
  recurring and usage charges.
- A value of ``domain.catalog.UNSUPPORTED`` (``Delivery Pricing``, ``Specific Days``, ...) is refused
  as not supported, never stored; so is any setting of a feature the billing engine does not bill
  (prepaid drawdown, overage smoothing, price increases on renewal, ...): see ``FEATURES``.
- Discount models are for one-time and recurring charges; Overage and Tiered with Overage for
  usage charges. ``UOM`` is required by per-unit models, ``DefaultQuantity`` by one-time and
  recurring Per Unit charges, ``IncludedUnits`` by Overage.
- ``SpecificDayofMonth`` needs ``BillCycleDay`` 1-31 and a month-based period; ``SpecificDayofWeek``
  needs ``WeeklyBillCycleDay`` and the ``Week`` period; ``Specific Months`` needs
  ``SpecificBillingPeriod`` >= 1; ``FixedPeriod`` needs ``UpToPeriods`` 1-65534 (billing periods);
  ``OneTime`` ends only one-time charges; ``SpecificEndDate`` belongs to a subscription's charge.
- ``ListPriceBase`` (recurring only, default per billing period): per week needs the ``Week``
  period, per month and per year a month-based period. Usage charges are billed in arrears;
  recurring charges default to in advance.
- ``Taxable`` charges need ``TaxCode`` (an active tax code of the tenant) and ``TaxMode``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final

from billforge.domain.catalog import (
    DISCOUNT_MODELS,
    UNSUPPORTED,
    ApplyDiscountTo,
    BillCycleType,
    BillingPeriod,
    BillingPeriodAlignment,
    BillingTiming,
    ChargeModel,
    ChargeType,
    DiscountLevel,
    EndDateCondition,
    ListPriceBase,
)
from billforge.domain.catalog_inputs import ChargeInput, ProductInput, RatePlanInput
from billforge.domain.money import QUANTITY_DECIMALS, QUANTITY_LIMIT
from billforge.errors import BillforgeError, ErrorCode, ErrorList, InvalidValue, MissingValue, Unsupported

# The catalog's resource codes (``api/resource_codes.py``), and how a message names each object.
PRODUCT: Final = "product"
PLAN: Final = "productRatePlan"
CHARGE: Final = "productRatePlanCharge"
TIER: Final = "productRatePlanChargeTier"
TIERS: Final = "ProductRatePlanChargeTierData.ProductRatePlanChargeTier"
OBJECT_NAMES: Final = MappingProxyType(
    {PRODUCT: "product", PLAN: "product rate plan", CHARGE: "product rate plan charge", TIER: "charge tier"}
)

MAX_ACTIVE_CURRENCIES: Final = 5
UP_TO_PERIODS_MAX: Final = 65534
ZERO: Final = Decimal(0)

# Models that price per unit of measure, so need a UOM (Zuora's rule).
UOM_MODELS: Final = frozenset(
    {
        ChargeModel.PER_UNIT,
        ChargeModel.TIERED,
        ChargeModel.VOLUME,
        ChargeModel.OVERAGE,
        ChargeModel.TIERED_WITH_OVERAGE,
    }
)
USAGE_ONLY_MODELS: Final = frozenset({ChargeModel.OVERAGE, ChargeModel.TIERED_WITH_OVERAGE})
MONTHLY_PERIODS: Final = frozenset(
    {
        BillingPeriod.MONTH,
        BillingPeriod.QUARTER,
        BillingPeriod.SEMI_ANNUAL,
        BillingPeriod.ANNUAL,
        BillingPeriod.SPECIFIC_MONTHS,
    }
)
WEEKLY_PERIODS: Final = frozenset({BillingPeriod.WEEK, BillingPeriod.SPECIFIC_WEEKS})

#: Charge settings of features the billing engine does not bill: the values that leave the feature
#: off are accepted (and kept); any other value is refused as not supported. ``None`` means the
#: field must be absent or null.
FEATURES: Final[Mapping[str, tuple[frozenset[object] | None, str]]] = MappingProxyType(
    {
        "ChargeFunction": (frozenset({"Standard"}), "only standard charges are billed"),
        "ChargeModelConfiguration": (None, "charge model configurations are not billed"),
        "CommitmentType": (None, "commitments are not billed"),
        "CommitmentLevel": (None, "commitments are not billed"),
        "PrepaymentUnitType": (None, "prepayment is not billed"),
        "DrawdownScope": (None, "prepaid drawdown is not billed"),
        "CreditOption": (None, "prepaid drawdown is not billed"),
        "DeliverySchedule": (None, "delivery pricing is not billed"),
        "DrawdownPriority": (None, "prepaid drawdown is not billed"),
        "DrawdownRate": (None, "prepaid drawdown is not billed"),
        "DrawdownUom": (None, "prepaid drawdown is not billed"),
        "EligibleAccountConditions": (None, "calculated charges are not billed"),
        "EligibleChargeConditions": (None, "calculated charges are not billed"),
        "IsPrepaid": (frozenset({False}), "prepaid charges are not billed"),
        "IsRollover": (frozenset({False}), "rollover funds are not billed"),
        "IsStackedDiscount": (frozenset({False}), "stacked discounts are not billed"),
        "FundSupportAccountHierarchy": (frozenset({False}), "prepaid funds are not billed"),
        "NumberOfPeriod": (None, "overage smoothing is not billed"),
        "SmoothingModel": (None, "overage smoothing is not billed"),
        "OverageCalculationOption": (frozenset({"PerBillingPeriod"}), "overage smoothing is not billed"),
        "OverageUnusedUnitsCreditOption": (frozenset({"NoCredit"}), "credits for unused units are not billed"),
        "PrepaidOperationType": (None, "prepaid drawdown is not billed"),
        "PrepaidQuantity": (None, "prepaid charges are not billed"),
        "PrepaidTotalQuantity": (None, "prepaid charges are not billed"),
        "PrepaidUom": (None, "prepaid charges are not billed"),
        "PriceChangeOption": (frozenset({"NoChange"}), "price changes on renewal are not billed"),
        "PriceIncreaseOption": (None, "price increases on renewal are not billed"),
        "PriceIncreasePercentage": (None, "price increases on renewal are not billed"),
        "RolloverApply": (None, "rollover funds are not billed"),
        "RolloverPeriods": (None, "rollover funds are not billed"),
        "RolloverPeriodType": (None, "rollover funds are not billed"),
        "RolloverFundPriority": (None, "rollover funds are not billed"),
        "RolloverEndDateType": (None, "rollover funds are not billed"),
        "SpecificListPriceBase": (None, "a list price per specific months is not billed"),
        "UsageRecordRatingOption": (frozenset({"EndOfBillingPeriod"}), "usage is rated at the end of the period"),
        "ValidityPeriodType": (None, "prepaid validity periods are not billed"),
        "VpAlignment": (None, "prepaid validity periods are not billed"),
        "ValidityPeriodAlignment": (None, "prepaid validity periods are not billed"),
        "VpProrationOption": (None, "prepaid validity periods are not billed"),
        "ValidityPeriodProrationOption": (None, "prepaid validity periods are not billed"),
        "SpecificValidityPeriodLength": (None, "prepaid validity periods are not billed"),
    }
)


# --- the errors, every message starting with the field as the client named it ------------------


def invalid(where: str, why: str, obj: str = CHARGE, code: ErrorCode | None = None) -> BillforgeError:
    """``'Field' why``: every message starts with the field as the client named it."""
    return InvalidValue(f"'{where}' {why}", field=where, obj=obj, code=code)


def missing(where: str, why: str = "is required", obj: str = CHARGE) -> BillforgeError:
    return MissingValue(f"'{where}' {why}", field=where, obj=obj)


def duplicate(where: str, value: str, what: str, obj: str) -> BillforgeError:
    return invalid(where, f"{value!r} is already used by another {what}", obj, ErrorCode.DUPLICATE_VALUE)


def shown(value: StrEnum) -> str:
    """A value as the Object API spells it (its list price bases have spaces: ``Per Billing Period``)."""
    return value.value.replace("_", " ") if isinstance(value, ListPriceBase) else value.value


def unsupported(where: str, value: StrEnum | None, obj: str = CHARGE) -> BillforgeError | None:
    if value is not None and value in UNSUPPORTED:
        why = f"value {shown(value)!r} is not supported: billforge cannot bill it"
        return Unsupported(f"'{where}' {why}", field=where, obj=obj)
    return None


def plain(value: Decimal) -> str:
    """A number in a message as a person writes it: ``10``, not ``10.000000`` or ``1E+1``."""
    return format(value.normalize(), "f")


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def listed(active: Iterable[str]) -> str:
    return f"(active: {', '.join(sorted(active))})"


def raise_all(problems: Sequence[BillforgeError]) -> None:
    """Raise the one problem, or all of them as an ``ErrorList``; nothing when there is none."""
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise ErrorList(problems)


def decimal_problem(
    where: str, value: Decimal | None, *, scale: int, maximum: Decimal, minimum: Decimal | None = None
) -> BillforgeError | None:
    """A number the catalog's exact columns cannot hold, or one below ``minimum``."""
    if value is None:
        return None
    exponent = value.as_tuple().exponent
    if abs(value) > maximum:
        return invalid(where, f"{plain(value)} is too large (at most {maximum})")
    if isinstance(exponent, int) and exponent < -scale:
        return invalid(where, f"{plain(value)} has more than {scale} decimal places")
    if minimum is not None and value < minimum:
        return invalid(where, f"must be {minimum} or more, got {plain(value)}")
    return None


def _dates_problem(start: date | None, end: date | None, obj: str) -> BillforgeError | None:
    if start is not None and end is not None and end <= start:
        return invalid("EffectiveEndDate", f"{end} must be after 'EffectiveStartDate' {start}", obj)
    return None


# --- products and rate plans ---------------------------------------------------------------


def product_problems(data: ProductInput) -> list[BillforgeError]:
    """The required fields and the effective dates (the SKU and number are checked against the
    other products by the service)."""
    problems = [
        missing(name, obj=PRODUCT)
        for value, name in (
            (data.name, "Name"),
            (data.effective_start_date, "EffectiveStartDate"),
            (data.effective_end_date, "EffectiveEndDate"),
        )
        if is_blank(value)
    ]
    dates = _dates_problem(data.effective_start_date, data.effective_end_date, PRODUCT)
    return problems + ([dates] if dates is not None else [])


def plan_required_problems(data: RatePlanInput) -> list[BillforgeError]:
    return [
        missing(name, obj=PLAN)
        for value, name in ((data.name, "Name"), (data.product_id, "ProductId"))
        if is_blank(value)
    ]


def plan_problems(data: RatePlanInput, active_currencies: Collection[str]) -> list[BillforgeError]:
    """``Grade``, ``ActiveCurrencies`` (against the tenant's active currencies) and the dates."""
    problems: list[BillforgeError] = []
    if data.grade is not None and data.grade < 1:
        problems.append(invalid("Grade", f"must be a positive integer, got {data.grade}", PLAN))
    if data.active_currencies is not None:
        problems += _active_currency_problems(data.active_currencies, active_currencies)
    dates = _dates_problem(data.effective_start_date, data.effective_end_date, PLAN)
    return problems + ([dates] if dates is not None else [])


def _active_currency_problems(codes: Sequence[str], active: Collection[str]) -> list[BillforgeError]:
    problems: list[BillforgeError] = []
    if len(codes) > MAX_ACTIVE_CURRENCIES:
        why = f"may list at most {MAX_ACTIVE_CURRENCIES} currencies, got {len(codes)}"
        problems.append(invalid("ActiveCurrencies", why, PLAN))
    if len(set(codes)) != len(codes):
        problems.append(invalid("ActiveCurrencies", "lists a currency twice", PLAN))
    return problems + [
        invalid(f"ActiveCurrencies[{i}]", f"{code!r} is not an active currency of this tenant {listed(active)}", PLAN)
        for i, code in enumerate(codes)
        if code not in active
    ]


# --- charges -------------------------------------------------------------------------------


def charge_input_problems(data: ChargeInput) -> list[BillforgeError]:
    """The required fields, and values the billing engine cannot bill. The other rules read the
    required fields and rely on their meaning, so these are reported (and raised) first."""
    return _required_problems(data) + _unsupported_problems(data)


def charge_problems(data: ChargeInput) -> list[BillforgeError]:
    """The rules of a charge whose required fields are there: its model, its schedule, its tax."""
    return _model_problems(data) + _schedule_problems(data) + _tax_problems(data)


def _required_problems(data: ChargeInput) -> list[BillforgeError]:
    required: tuple[tuple[object, str], ...] = (
        (data.product_rate_plan_id, "ProductRatePlanId"),
        (data.name, "Name"),
        (data.charge_type, "ChargeType"),
        (data.charge_model, "ChargeModel"),
        (data.bill_cycle_type, "BillCycleType"),
        (data.trigger_event, "TriggerEvent"),
    )
    problems = [missing(name) for value, name in required if is_blank(value)]
    if data.charge_type in (ChargeType.RECURRING, ChargeType.USAGE) and data.billing_period is None:
        problems.append(missing("BillingPeriod", f"is required for {data.charge_type.value} charges"))
    if not data.tiers:
        problems.append(missing(TIERS, "is required: a charge is priced by at least one tier"))
    return problems


def _unsupported_problems(data: ChargeInput) -> list[BillforgeError]:
    """Recognised values the billing engine cannot bill, and settings of features it does not bill."""
    enums: tuple[tuple[StrEnum | None, str], ...] = (
        (data.charge_type, "ChargeType"),
        (data.charge_model, "ChargeModel"),
        (data.bill_cycle_type, "BillCycleType"),
        (data.billing_period, "BillingPeriod"),
        (data.billing_period_alignment, "BillingPeriodAlignment"),
        (data.list_price_base, "ListPriceBase"),
        (data.trigger_event, "TriggerEvent"),
        (data.end_date_condition, "EndDateCondition"),
        (data.up_to_periods_type, "UpToPeriodsType"),
        (data.rating_group, "RatingGroup"),
    )
    problems = [p for value, name in enums if (p := unsupported(name, value)) is not None]
    for name, value in data.features.items():
        neutral, reason = FEATURES[name]
        if isinstance(value, StrEnum) and (problem := unsupported(name, value)) is not None:
            problems.append(problem)
        elif value is not None and (neutral is None or value not in neutral):
            text = str(value).lower() if isinstance(value, bool) else repr(value)
            problems.append(Unsupported(f"'{name}' value {text} is not supported: {reason}", field=name, obj=CHARGE))
    return problems


def _model_problems(data: ChargeInput) -> list[BillforgeError]:
    """Which charge types a model allows, and what each model needs besides its tiers."""
    model, kind = data.charge_model, data.charge_type
    assert model is not None and kind is not None  # noqa: S101 - checked as required
    problems: list[BillforgeError] = []
    if model in DISCOUNT_MODELS and kind is ChargeType.USAGE:
        problems.append(
            invalid("ChargeModel", f"{model.value} is for one-time and recurring charges, not usage charges")
        )
    if model in USAGE_ONLY_MODELS and kind is not ChargeType.USAGE:
        problems.append(invalid("ChargeModel", f"{model.value} is for usage charges only, not {kind.value} charges"))
    if model in UOM_MODELS and is_blank(data.uom):
        problems.append(missing("UOM", f"is required for {model.value}"))
    if model is ChargeModel.PER_UNIT and kind is not ChargeType.USAGE and data.default_quantity is None:
        problems.append(missing("DefaultQuantity", f"is required for {kind.value} charges priced with {model.value}"))
    if model is ChargeModel.OVERAGE and data.included_units is None:
        problems.append(missing("IncludedUnits", f"is required for {model.value}"))
    for value, name in ((data.default_quantity, "DefaultQuantity"), (data.included_units, "IncludedUnits")):
        problem = decimal_problem(name, value, scale=QUANTITY_DECIMALS, maximum=QUANTITY_LIMIT, minimum=ZERO)
        if problem is not None:
            problems.append(problem)
    return problems


def _schedule_problems(data: ChargeInput) -> list[BillforgeError]:
    """Bill cycle, billing period and timing: their combinations (for recurring and usage charges)."""
    kind, period, cycle, day = data.charge_type, data.billing_period, data.bill_cycle_type, data.bill_cycle_day
    periodic = kind in (ChargeType.RECURRING, ChargeType.USAGE) and period is not None
    problems: list[BillforgeError] = []
    if day is not None and not 1 <= day <= 31:
        problems.append(invalid("BillCycleDay", f"must be between 1 and 31, got {day}"))
    if cycle is BillCycleType.SPECIFIC_DAY_OF_MONTH:
        if day is None:
            problems.append(missing("BillCycleDay", "is required when 'BillCycleType' is SpecificDayofMonth"))
        if periodic and period in WEEKLY_PERIODS:
            why = f"SpecificDayofMonth needs a month-based billing period, not {period}"
            problems.append(invalid("BillCycleType", why))
    if cycle is BillCycleType.SPECIFIC_DAY_OF_WEEK:
        if data.weekly_bill_cycle_day is None:
            problems.append(missing("WeeklyBillCycleDay", "is required when 'BillCycleType' is SpecificDayofWeek"))
        if periodic and period not in WEEKLY_PERIODS:
            problems.append(invalid("BillCycleType", f"SpecificDayofWeek needs the Week billing period, not {period}"))
    if periodic and period is BillingPeriod.SPECIFIC_MONTHS:
        months = data.specific_billing_period
        if months is None:
            problems.append(missing("SpecificBillingPeriod", "is required when 'BillingPeriod' is Specific Months"))
        elif months < 1:
            problems.append(invalid("SpecificBillingPeriod", f"must be a positive number of months, got {months}"))
    if kind is ChargeType.USAGE and data.billing_timing is BillingTiming.IN_ADVANCE:
        problems.append(invalid("BillingTiming", "In Advance is not possible: usage charges are billed in arrears"))
    return problems + _list_price_base_problems(data) + _end_date_problems(data)


def _list_price_base_problems(data: ChargeInput) -> list[BillforgeError]:
    base, period = data.list_price_base, data.billing_period
    if base is None or data.charge_type is not ChargeType.RECURRING or period is None or base in UNSUPPORTED:
        return []
    fits = (
        base is ListPriceBase.PER_BILLING_PERIOD
        or (base is ListPriceBase.PER_WEEK and period in WEEKLY_PERIODS)
        or (base in (ListPriceBase.PER_MONTH, ListPriceBase.PER_YEAR) and period in MONTHLY_PERIODS)
    )
    return [] if fits else [invalid("ListPriceBase", f"{shown(base)} does not fit the {period.value} billing period")]


def _end_date_problems(data: ChargeInput) -> list[BillforgeError]:
    condition, periods = data.end_date_condition, data.up_to_periods
    if condition is EndDateCondition.FIXED_PERIOD and periods is None:
        return [missing("UpToPeriods", "is required when 'EndDateCondition' is FixedPeriod")]
    if condition is EndDateCondition.FIXED_PERIOD and periods is not None and not 1 <= periods <= UP_TO_PERIODS_MAX:
        return [invalid("UpToPeriods", f"must be between 1 and {UP_TO_PERIODS_MAX}, got {periods}")]
    if condition is EndDateCondition.ONE_TIME and data.charge_type is not ChargeType.ONE_TIME:
        return [invalid("EndDateCondition", "OneTime is for one-time charges only")]
    if condition is EndDateCondition.SPECIFIC_END_DATE:
        why = (
            "SpecificEndDate belongs to a subscription's charge, which has the date; a catalog charge ends "
            "with the subscription (SubscriptionEnd) or after a fixed period (FixedPeriod)"
        )
        return [invalid("EndDateCondition", why)]
    return []


def _tax_problems(data: ChargeInput) -> list[BillforgeError]:
    """A taxable charge names its tax code and mode (the service checks that the code is active)."""
    problems: list[BillforgeError] = []
    if data.taxable and is_blank(data.tax_code):
        problems.append(missing("TaxCode", "is required when 'Taxable' is true"))
    if data.taxable and data.tax_mode is None:
        problems.append(missing("TaxMode", "is required when 'Taxable' is true"))
    return problems


def with_defaults(data: ChargeInput) -> ChargeInput:
    """The charge with Zuora's defaults where the client left a field out: recurring charges bill in
    advance, per billing period; usage in arrears; periodic charges align to the charge; charges end
    with the subscription; discounts apply at rate plan level to every charge type; Tiered and Volume
    one-time and recurring charges default to quantity 0."""
    kind, model = data.charge_type, data.charge_model
    defaults: dict[str, Any] = {}
    if kind is ChargeType.RECURRING:
        defaults["billing_timing"] = data.billing_timing or BillingTiming.IN_ADVANCE
        defaults["list_price_base"] = data.list_price_base or ListPriceBase.PER_BILLING_PERIOD
    elif kind is ChargeType.USAGE:
        defaults["billing_timing"] = BillingTiming.IN_ARREARS
    if kind is not ChargeType.ONE_TIME:
        defaults["billing_period_alignment"] = data.billing_period_alignment or BillingPeriodAlignment.ALIGN_TO_CHARGE
    defaults["end_date_condition"] = data.end_date_condition or EndDateCondition.SUBSCRIPTION_END
    if model in DISCOUNT_MODELS:
        defaults["discount_level"] = data.discount_level or DiscountLevel.RATE_PLAN
        defaults["apply_discount_to"] = data.apply_discount_to or ApplyDiscountTo.ONE_TIME_RECURRING_USAGE
    if model in (ChargeModel.TIERED, ChargeModel.VOLUME) and kind is not ChargeType.USAGE:
        defaults["default_quantity"] = data.default_quantity if data.default_quantity is not None else ZERO
    return replace(data, **defaults)
