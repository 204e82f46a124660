"""Zuora's published 6-digit REST resource codes, by object and field (source: Zuora's "Resource codes for
Billing and Payments REST API" page).

An 8-digit Zuora v1 error code is ``resource code * 100 + category`` (``53100320`` = ``531003`` + ``20``).

Where the codes come from (only codes seen in Zuora material are listed; nothing is extrapolated):

* Zuora's current pages (docs.zuora.com resource-codes page, developer.zuora.com/docs/guides/error-codes):
  ``500000`` (no payload / unknown object and field), ``531003`` (``subscription.termType``) and
  ``90000011`` (invalid credential, i.e. resource ``900000`` with category ``11``).  The full table on that
  page (and its CSV download) could not be retrieved, so most of Zuora's current codes are missing here.
* Examples in Zuora's own OpenAPI reference: ``58490020`` in the "Create standalone invoices" example (field
  part ``00``, so an object-level code, reported for a bad ``accountId``) and ``59210020`` in the
  "Post invoices" (bulk post) example.
* Zuora's earlier published list (Knowledge Center, "REST API Basics > Responses and Errors"), as copied in
  github.com/DeadAlready/node-zuora ``lib/error/codes.js``.  That list composes a code from the entry point
  (``5`` = REST API), a 3-digit operation number and a 2-digit field number; ``00`` as the field number is
  the operation's object itself (as in Zuora's own example ``53100020``).  It is operation based: a create
  and an update of the same object have different codes, hence ``UPDATE_FIELD_CODES``.  The current page
  still uses these numbers (``531003`` is operation ``310`` field ``03`` = ``termType`` there), but Zuora
  may have renumbered some since; treat these as the best published codes found, not a verified copy of
  the current table.

Objects with no code found (``resource_code`` answers ``UNKNOWN`` for them unless an enclosing object has
one): invoiceItem, taxationItem, discountItem, payment, refund, usage, billingDocument, sequenceSet,
accountingPeriod, product, productRatePlan, productRatePlanCharge.
"""

from __future__ import annotations

import re
from typing import Final

UNKNOWN: Final = 500000

OBJECT_CODES: Final[dict[str, int]] = {
    # current Zuora material
    "invoice": 584900,  # Create standalone invoices example, 58490020 (bad accountId)
    "invoiceBulkPost": 592100,  # Post invoices (bulk-post) example, 59210020 (invoice not in Draft)
    "auth": 900000,  # 90000011 = invalid credential in the request header
    # earlier published list (operation number + field 00)
    "account": 510000,  # POST account (100)
    "contact": 510100,  # billToContact / soldToContact of POST account (101)
    "creditCard": 510200,  # creditCard of POST account (102)
    "cardHolderInfo": 510300,  # creditCard.cardHolderInfo of POST account (103)
    "accountSubscription": 510400,  # subscription of POST account (104)
    "paymentMethod": 520000,  # POST payment method (200)
    "subscription": 530000,  # POST subscription (300)
    "ratePlan": 530100,  # subscribeToRatePlans[] of POST subscription (301)
    "ratePlanCharge": 530200,  # subscribeToRatePlans[].chargeOverrides[] of POST subscription (302)
    "subscriptionPreview": 531000,  # POST subscription preview (310); 53100020 is in Zuora's own example
    "previewAccount": 531100,  # previewAccountInfo of a subscription preview (311)
    "previewContact": 531200,  # previewAccountInfo.billToContact of a subscription preview (312)
    "subscriptionCancellation": 532000,  # cancel subscription (320)
    "subscriptionRenewal": 533000,  # renew subscription (330)
    "invoiceCollect": 540000,  # invoice and collect (400)
}

# Shared by the requests that can bill at once (create/update/renew/cancel subscription, create account).
_INVOICE_COLLECT: Final = 540101  # invoiceCollect (401 / 01)
_INVOICE_TARGET_DATE: Final = 540201  # invoiceTargetDate (402 / 01)

FIELD_CODES: Final[dict[tuple[str, str], int]] = {
    # account: POST account (100)
    ("account", "accountNumber"): 510001,
    ("account", "name"): 510002,
    ("account", "currency"): 510003,
    ("account", "notes"): 510004,
    ("account", "billCycleDay"): 510005,
    ("account", "crmId"): 510006,
    ("account", "invoiceTemplateId"): 510007,
    ("account", "communicationProfileId"): 510008,
    ("account", "paymentTerm"): 510009,
    ("account", "customFieldsData"): 510010,
    ("account", "billToContact"): 510011,
    ("account", "soldToContact"): 510012,
    ("account", "hpmCreditCardPaymentMethodId"): 510013,
    ("account", "creditCard"): 510014,
    ("account", "subscription"): 510015,
    ("account", "invoiceCollect"): _INVOICE_COLLECT,
    ("account", "invoiceTargetDate"): _INVOICE_TARGET_DATE,
    # contact: bill-to/sold-to contact of POST account (101)
    ("contact", "address1"): 510101,
    ("contact", "address2"): 510102,
    ("contact", "city"): 510103,
    ("contact", "country"): 510104,
    ("contact", "county"): 510105,
    ("contact", "fax"): 510106,
    ("contact", "firstName"): 510107,
    ("contact", "lastName"): 510108,
    ("contact", "homePhone"): 510109,
    ("contact", "mobilePhone"): 510110,
    ("contact", "nickname"): 510111,
    ("contact", "otherPhone"): 510112,
    ("contact", "otherPhoneType"): 510113,
    ("contact", "personalEmail"): 510114,
    ("contact", "zipCode"): 510115,
    ("contact", "state"): 510116,
    ("contact", "taxRegion"): 510117,
    ("contact", "workEmail"): 510118,
    ("contact", "workPhone"): 510119,
    # creditCard of POST account (102) and its cardHolderInfo (103)
    ("creditCard", "cardType"): 510201,
    ("creditCard", "cardNumber"): 510202,
    ("creditCard", "expirationMonth"): 510203,
    ("creditCard", "expirationYear"): 510204,
    ("creditCard", "securityCode"): 510205,
    ("creditCard", "cardHolderInfo"): 510206,
    ("cardHolderInfo", "cardHolderName"): 510301,
    ("cardHolderInfo", "addressLine1"): 510302,
    ("cardHolderInfo", "addressLine2"): 510303,
    ("cardHolderInfo", "city"): 510304,
    ("cardHolderInfo", "state"): 510305,
    ("cardHolderInfo", "zipCode"): 510306,
    ("cardHolderInfo", "country"): 510307,
    ("cardHolderInfo", "phone"): 510308,
    ("cardHolderInfo", "email"): 510309,
    # subscription given inside POST account (104)
    ("accountSubscription", "termType"): 510401,
    ("accountSubscription", "initialTerm"): 510402,
    ("accountSubscription", "autoRenew"): 510403,
    ("accountSubscription", "renewalTerm"): 510404,
    ("accountSubscription", "notes"): 510405,
    ("accountSubscription", "subscribeToRatePlans"): 510406,
    ("accountSubscription", "contractEffectiveDate"): 510407,
    # paymentMethod: POST payment method (200)
    ("paymentMethod", "accountKey"): 520001,
    ("paymentMethod", "creditCardType"): 520002,
    ("paymentMethod", "creditCardNumber"): 520003,
    ("paymentMethod", "expirationMonth"): 520004,
    ("paymentMethod", "expirationYear"): 520005,
    ("paymentMethod", "securityCode"): 520006,
    ("paymentMethod", "defaultPaymentMethod"): 520007,
    ("paymentMethod", "cardHolderInfo"): 520008,
    # subscription: POST subscription (300), cancel (320) and the shared billing flags
    ("subscription", "accountKey"): 530001,
    # The current page names 531003 as subscription.termType; the earlier list had 530002 for the
    # create operation and 531003 for the preview operation.
    ("subscription", "termType"): 531003,
    ("subscription", "initialTerm"): 530003,
    ("subscription", "autoRenew"): 530004,
    ("subscription", "renewalTerm"): 530005,
    ("subscription", "notes"): 530006,
    ("subscription", "subscribeToRatePlans"): 530007,
    ("subscription", "contractEffectiveDate"): 530008,
    ("subscription", "cancellationPolicy"): 532001,
    ("subscription", "cancellationEffectiveDate"): 532002,
    ("subscription", "invoiceCollect"): _INVOICE_COLLECT,
    ("subscription", "invoiceTargetDate"): _INVOICE_TARGET_DATE,
    ("subscriptionCancellation", "cancellationPolicy"): 532001,
    ("subscriptionCancellation", "cancellationEffectiveDate"): 532002,
    # ratePlan / ratePlanCharge inside POST subscription (301, 302)
    ("ratePlan", "productRatePlanId"): 530101,
    ("ratePlan", "chargeOverrides"): 530102,
    ("ratePlanCharge", "productRatePlanChargeId"): 530201,
    ("ratePlanCharge", "quantity"): 530202,
    # subscription preview (310) and its previewAccountInfo (311, 312)
    ("subscriptionPreview", "accountKey"): 531001,
    ("subscriptionPreview", "previewAccountInfo"): 531002,
    ("subscriptionPreview", "termType"): 531003,
    ("subscriptionPreview", "initialTerm"): 531004,
    ("subscriptionPreview", "subscribeToRatePlans"): 531005,
    ("subscriptionPreview", "contractEffectiveDate"): 531006,
    ("previewAccount", "currency"): 531101,
    ("previewAccount", "billCycleDay"): 531102,
    ("previewAccount", "billToContact"): 531103,
    ("previewContact", "country"): 531201,
    ("previewContact", "state"): 531202,
    ("previewContact", "city"): 531203,
    ("previewContact", "county"): 531204,
    ("previewContact", "taxRegion"): 531205,
    ("previewContact", "zipCode"): 531206,
    # invoice and collect (401, 402)
    ("invoiceCollect", "invoiceCollect"): _INVOICE_COLLECT,
    ("invoiceCollect", "invoiceTargetDate"): _INVOICE_TARGET_DATE,
}

# Update operations have their own numbers in the earlier list (PUT account 150, PUT contact 151,
# PUT payment method 250, PUT subscription 350..355).
UPDATE_OBJECT_CODES: Final[dict[str, int]] = {
    "account": 515000,
    "contact": 515100,
    "paymentMethod": 525000,
    "subscription": 535000,
    "ratePlanChargeAdd": 535100,  # add[].chargeOverrides[] (351)
    "ratePlanChargeUpdate": 535200,  # update[].chargeUpdateDetails[] (352)
    "ratePlanAdd": 535300,  # add[] (353)
    "ratePlanUpdate": 535400,  # update[] (354)
    "ratePlanRemove": 535500,  # remove[] (355)
}

UPDATE_FIELD_CODES: Final[dict[tuple[str, str], int]] = {
    ("account", "name"): 515001,
    ("account", "notes"): 515002,
    ("account", "crmId"): 515003,
    ("account", "invoiceTemplateId"): 515004,
    ("account", "communicationProfileId"): 515005,
    ("account", "customFieldsData"): 515006,
    ("account", "billToContact"): 515007,
    ("account", "soldToContact"): 515008,
    ("contact", "address1"): 515101,
    ("contact", "address2"): 515102,
    ("contact", "city"): 515103,
    ("contact", "country"): 515104,
    ("contact", "county"): 515105,
    ("contact", "fax"): 515106,
    ("contact", "firstName"): 515107,
    ("contact", "homePhone"): 515108,
    ("contact", "lastName"): 515109,
    ("contact", "mobilePhone"): 515110,
    ("contact", "nickname"): 515111,
    ("contact", "otherPhone"): 515112,
    ("contact", "otherPhoneType"): 515113,
    ("contact", "personalEmail"): 515114,
    ("contact", "zipCode"): 515115,
    ("contact", "state"): 515116,
    ("contact", "taxRegion"): 515117,
    ("contact", "workEmail"): 515118,
    ("contact", "workPhone"): 515119,
    ("paymentMethod", "expirationMonth"): 525001,
    ("paymentMethod", "expirationYear"): 525002,
    ("paymentMethod", "defaultPaymentMethod"): 525003,
    ("paymentMethod", "cardHolderName"): 525004,
    ("paymentMethod", "addressLine1"): 525005,
    ("paymentMethod", "addressLine2"): 525006,
    ("paymentMethod", "city"): 525007,
    ("paymentMethod", "state"): 525008,
    ("paymentMethod", "zipCode"): 525009,
    ("paymentMethod", "country"): 525010,
    ("paymentMethod", "securityCode"): 525011,
    ("paymentMethod", "phone"): 525012,
    ("paymentMethod", "email"): 525013,
    ("subscription", "termType"): 535001,
    ("subscription", "currentTerm"): 535002,
    ("subscription", "renewalTerm"): 535003,
    ("subscription", "autoRenew"): 535004,
    ("subscription", "notes"): 535005,
    ("subscription", "add"): 535006,
    ("subscription", "update"): 535007,
    ("subscription", "remove"): 535008,
    ("subscription", "preview"): 535009,
    ("subscription", "invoiceCollect"): _INVOICE_COLLECT,
    ("subscription", "invoiceTargetDate"): _INVOICE_TARGET_DATE,
    ("ratePlanChargeAdd", "productRatePlanChargeId"): 535101,
    ("ratePlanChargeAdd", "quantity"): 535102,
    ("ratePlanChargeUpdate", "ratePlanChargeId"): 535201,
    ("ratePlanChargeUpdate", "quantity"): 535202,
    ("ratePlanAdd", "productRatePlanId"): 535301,
    ("ratePlanAdd", "chargeOverrides"): 535302,
    ("ratePlanAdd", "contractEffectiveDate"): 535303,
    ("ratePlanUpdate", "ratePlanId"): 535401,
    ("ratePlanUpdate", "chargeUpdateDetails"): 535402,
    ("ratePlanUpdate", "contractEffectiveDate"): 535403,
    ("ratePlanRemove", "ratePlanId"): 535501,
    ("ratePlanRemove", "contractEffectiveDate"): 535502,
}

# Which object a path segment leads into: (enclosing object or None for any, segment) -> nested object.
_NESTED: Final[dict[tuple[str | None, str], str]] = {
    (None, "billToContact"): "contact",
    (None, "soldToContact"): "contact",
    (None, "shipToContact"): "contact",
    (None, "contacts"): "contact",
    (None, "invoiceItems"): "invoiceItem",
    ("invoice", "items"): "invoiceItem",
    (None, "taxItems"): "taxationItem",
    (None, "taxationItems"): "taxationItem",
    (None, "discountItems"): "discountItem",
    (None, "subscribeToRatePlans"): "ratePlan",
    (None, "chargeOverrides"): "ratePlanCharge",
    (None, "creditCard"): "creditCard",
    (None, "cardHolderInfo"): "cardHolderInfo",
    ("account", "subscription"): "accountSubscription",
    ("subscriptionPreview", "previewAccountInfo"): "previewAccount",
    ("previewAccount", "billToContact"): "previewContact",
}

_UPDATE_NESTED: Final[dict[tuple[str | None, str], str]] = {
    ("subscription", "add"): "ratePlanAdd",
    ("subscription", "update"): "ratePlanUpdate",
    ("subscription", "remove"): "ratePlanRemove",
    ("ratePlanAdd", "chargeOverrides"): "ratePlanChargeAdd",
    ("ratePlanUpdate", "chargeUpdateDetails"): "ratePlanChargeUpdate",
}

_SEGMENT: Final = re.compile(r"^([^\[\]]*)((?:\[[^\[\]]*\])*)$")


# Objects that only exist inside another one's request: their errors fall back to its code.
_ENCLOSING: Final[dict[str, tuple[str, ...]]] = {
    "invoiceItem": ("invoice",),
    "discountItem": ("invoice", "invoiceItem"),
    "taxationItem": ("invoice", "invoiceItem"),
}


def _segments(path: str) -> list[tuple[str, bool]]:
    """Split ``a.b[2].c`` into names, each with whether it carried an index."""
    parts: list[tuple[str, bool]] = []
    for raw in path.split("."):
        match = _SEGMENT.match(raw.strip())
        if match is None:  # stray brackets: keep the name part only
            name, indexed = re.sub(r"\[[^\]]*\]?", "", raw).strip(), "[" in raw
        else:
            name, indexed = match.group(1).strip(), bool(match.group(2))
        if name:
            parts.append((name, indexed))
    return parts


def _nested(parent: str, segment: str, update: bool) -> str | None:
    if update:
        child = _UPDATE_NESTED.get((parent, segment))
        if child is not None:
            return child
    return _NESTED.get((parent, segment)) or _NESTED.get((None, segment))


def _object_code(obj: str, update: bool) -> int | None:
    if update and obj in UPDATE_OBJECT_CODES:
        return UPDATE_OBJECT_CODES[obj]
    return OBJECT_CODES.get(obj)


def resource_code(obj: str | None, field: str | None, *, update: bool = False) -> int:
    """The code for obj.field (field may be a dotted/indexed path like 'invoiceItems[2].amount': use the
    last name, and the nested object's code when the path goes into items/taxItems/discountItems/contacts),
    else the object's code, else UNKNOWN.

    When the innermost object has no code, the enclosing objects' codes are tried, outermost last.  With
    ``update=True`` the update-operation codes are preferred; objects without any fall back to the plain ones.
    """
    if not obj:
        return UNKNOWN
    chain = [*_ENCLOSING.get(obj, ()), obj]
    name: str | None = None
    segments = _segments(field) if field else []
    for position, (segment, indexed) in enumerate(segments):
        last = position == len(segments) - 1
        child = _nested(chain[-1], segment, update)
        if not last:
            if child is not None:
                chain.append(child)
            continue
        if indexed and child is not None:  # 'invoiceItems[2]' names the item itself
            chain.append(child)
        else:
            name = segment
    if name is not None:
        current = chain[-1]
        if update and (current, name) in UPDATE_FIELD_CODES:
            return UPDATE_FIELD_CODES[(current, name)]
        if (current, name) in FIELD_CODES:
            return FIELD_CODES[(current, name)]
    for candidate in reversed(chain):
        code = _object_code(candidate, update)
        if code is not None:
            return code
    return UNKNOWN
