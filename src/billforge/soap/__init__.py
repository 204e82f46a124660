"""billforge's SOAP door: Zuora's SOAP API (``/apps/services/a/{version}``) over billforge's services.

A client generated from Zuora's published WSDLs (43.0, 48.0, 52.0) or from billforge's own
(``GET /apps/services/a/{version}?wsdl``) changes only the service address. The package only
translates: XML in, a service call, XML out. No business rule lives here.

    parsing.py      hardened XML parsing (no DTD, no entities, no network, size limit)
    envelope.py     SOAP 1.1 envelopes in and out: the call, its headers, answers and faults
    faults.py       the WSDL's faults, and how billforge's errors become them
    values.py       XML text <-> Python values (xsd:boolean, xsd:dateTime, xsd:decimal, ...)
    schema.py       the zObject types: fields in XSD order and their XSD types (from the ZOQL registry)
    zobjects.py     zObjects read from requests; query records written in XSD order
    wsdl.py         billforge's own WSDL, written from schema.py
    operations.py   login, getUserInfo, generate, create, update, delete, query, queryMore (zObjects
                    become service inputs through ``objects.inputs``, shared with ``/v1/action/*``;
                    ``CallOptions.useSingleTransaction`` is ``actions.create_objects``'s
                    ``single_transaction``)
    endpoint.py     the Starlette endpoint: version check, ``?wsdl``, session header, dispatch
"""
