"""Zuora's objects (zObjects) as every door reads them: PascalCase fields (the WSDL names), given as
dicts of field name to value, turned into the owning service's inputs.

No HTTP and no XML here: the REST door hands over a JSON body, the SOAP door the fields it read from
its XML, and both get the same inputs, the same field rules and the same messages. Doors import
this package; it imports services (their inputs) and domain, never a door.

    fields     strict Zuora field types (dates, decimals, strings, ...) and ``validate``
    model      ``ObjectModel``: PascalCase names, custom and passthrough fields, unknown fields
    accounts   Account and Contact          catalog   Product, ProductRatePlan, ProductRatePlanCharge(Tier)
    invoices   Invoice (update)             usage     Usage
    payments   Payment                      subscriptions  Subscription (update)
    inputs     ``parse_create`` / ``parse_update``: one zObject of any type to its service input
"""
